import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  INDEXES,
  type IndexProjection,
  JOURNEY_TABLE,
} from '../../functions/adapters/dynamodb/table-design.ts';

/** table-design.ts's projections in CDK terms; a new one there fails to compile here until mapped. */
const PROJECTION: Record<IndexProjection, ProjectionType> = { KEYS_ONLY: ProjectionType.KEYS_ONLY };

/**
 * The calls the DynamoDB stores make (GetItem, PutItem, UpdateItem, Query, BatchGetItem) and
 * nothing else: no Scan, no DeleteItem (records leave by TTL), no batch writes or transactions.
 */
const JOURNEY_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/**
 * The indexes the stores query: every one but `release`, which only the release function reads
 * (release.ts grants it alone).
 */
export const STORE_INDEXES = JOURNEY_TABLE.indexes.filter((index) => index !== INDEXES.release);

/** Props of {@link JourneyTable}. */
export interface JourneyTableProps {
  /** Production keeps the table: deletion protection on, RETAIN on stack delete. */
  isProduction: boolean;
}

/**
 * Nudge's one DynamoDB table, built from table-design.ts (keys, sparse KEYS_ONLY indexes, TTL),
 * the same definition the tests and the local runtime create their tables from.
 */
export class JourneyTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: JourneyTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: JOURNEY_TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: JOURNEY_TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: JOURNEY_TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.isProduction,
      removalPolicy: props.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of JOURNEY_TABLE.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: PROJECTION[index.projection],
      });
    }
  }

  /**
   * Reads and writes records: the store's item calls on the table, and Query (the only call an
   * index takes) on each index the stores read ({@link STORE_INDEXES}), not on `index/*`.
   */
  grantJourneyReadWrite(grantee: IGrantable): Grant {
    const items = Grant.addToPrincipal({
      grantee,
      actions: [...JOURNEY_TABLE_ACTIONS],
      resourceArns: [this.table.tableArn],
    });
    const indexes = Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: STORE_INDEXES.map((index) => `${this.table.tableArn}/index/${index.indexName}`),
    });
    return items.combine(indexes);
  }
}
