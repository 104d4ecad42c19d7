import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Props of {@link JourneyBus}. */
export interface JourneyBusProps {
  stage: string;
  /** Use this existing bus instead of creating one. */
  existingBusName: string | undefined;
}

/**
 * The EventBridge bus journey events arrive on and outcome events go back to: created as
 * `nudge-<stage>`, or an existing one (the company's journey bus) imported by name.
 */
export class JourneyBus extends Construct {
  readonly bus: IEventBus;
  /** True when the bus was imported (its lifecycle is not this stack's). */
  readonly imported: boolean;

  constructor(scope: Construct, id: string, props: JourneyBusProps) {
    super(scope, id);
    this.imported = props.existingBusName !== undefined;
    this.bus =
      props.existingBusName === undefined
        ? new EventBus(this, 'Bus', {
            eventBusName: `nudge-${props.stage}`,
            description: `Nudge journey events in, outcome events out (${props.stage})`,
          })
        : EventBus.fromEventBusName(this, 'Bus', props.existingBusName);
  }

  /** PutEvents on this bus only (outcome events). */
  grantPutEvents(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['events:PutEvents'],
      resourceArns: [this.bus.eventBusArn],
    });
  }

  /** The bus name for NUDGE_EVENT_BUS_NAME. */
  get busName(): string {
    return this.bus.eventBusName;
  }
}
