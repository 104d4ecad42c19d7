import { describe, expect, it } from 'vitest';
import {
  assertValidPattern,
  compilePatternIndex,
  type EventPattern,
  matchesPattern,
} from '../../../functions/core/pattern/index.ts';

/**
 * Cases taken from the Amazon EventBridge user guide (pages named in each title) and from the
 * README of aws/event-ruler, the matching library EventBridge uses. The expected value of every
 * case is what that text states or shows; where a case applies a documented rule to a new value,
 * the title quotes the rule.
 */
interface DocCase {
  title: string;
  pattern: EventPattern;
  event: Record<string, unknown>;
  expected: boolean;
}

// eb-event-patterns: "The following event shows a simple AWS event from Amazon EC2."
const EC2_TERMINATED = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

const EC2_TERMINATION_PATTERN: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': ['EC2 Instance State-change Notification'],
  detail: { state: ['terminated'] },
};

// eb-event-patterns "Field matching" and eb-event-patterns-null-values.
const AUTOSCALING_LAUNCH = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

// eb-event-patterns "Value matching" (the Macie Classic event, truncated as in the guide).
const MACIE_ALERT = {
  version: '0',
  id: '3e355723-fca9-4de3-9fd7-154c289d6b59',
  'detail-type': 'Macie Alert',
  source: 'aws.macie',
  account: '123456789012',
  time: '2017-04-24T22:28:49Z',
  region: 'us-east-1',
  resources: [
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id',
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
  ],
  detail: {
    'notification-type': 'ALERT_CREATED',
    name: 'Scanning bucket policies',
    tags: ['Custom_Alert', 'Insider'],
    'risk-score': 80,
    trigger: {
      'rule-arn': 'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
      'alert-type': 'basic',
      risk: 8,
    },
  },
};

// event-ruler README "Ruler by Example": the sample event most README patterns are written against.
const RULER_EVENT = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

const withDetail = (base: Record<string, unknown>, detail: Record<string, unknown>) => ({ ...base, detail });

// eb-event-patterns-arrays.
const ARRAY_PATTERN: EventPattern = {
  resources: [
    'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
    'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
    'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
  ],
};

// event-ruler README "JSON Array Matching".
const EMPLOYEES = {
  employees: [
    { firstName: 'John', lastName: 'Doe' },
    { firstName: 'Anna', lastName: 'Smith' },
    { firstName: 'Peter', lastName: 'Jones' },
  ],
};
const EMPLOYEES_NESTED = {
  employees: [
    [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
    ],
    [{ firstName: 'Peter', lastName: 'Jones' }],
  ],
};

// eb-event-patterns-content-based-filtering "Complex example with multiple matching" (with the
// README's `source-ip` CIDR condition added, as in the README's version of the example).
const COMPLEX_PATTERN: EventPattern = {
  time: [{ prefix: '2017-10-02' }],
  detail: {
    state: [{ 'anything-but': 'initializing' }],
    'c-count': [{ numeric: ['>', 0, '<=', 5] }],
    'd-count': [{ numeric: ['<', 10] }],
    'x-limit': [{ 'anything-but': [100, 200, 300] }],
    'source-ip': [{ cidr: '10.0.0.0/8' }],
  },
};

const NUMERIC_PATTERN: EventPattern = {
  detail: {
    'c-count': [{ numeric: ['>', 0, '<=', 5] }],
    'd-count': [{ numeric: ['<', 10] }],
    'x-limit': [{ numeric: ['=', 3.018e2] }],
  },
};

// eb-create-pattern-operators "Or matching" / event-ruler README "The $or Primitive".
const OR_NUMERIC: EventPattern = {
  detail: {
    $or: [
      { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
      { 'd-count': [{ numeric: ['<', 10] }] },
      { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
    ],
  },
};
const OR_NORMAL: EventPattern = {
  source: ['aws.cloudwatch'],
  $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
};
const OR_PARALLEL: EventPattern = {
  $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
  detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
};
const OR_WITH_AND: EventPattern = {
  source: ['aws.cloudwatch'],
  $or: [
    { metricName: ['CPUUtilization', 'ReadLatency'] },
    { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'] },
    { scope: ['Service'] },
  ],
};
const OR_NESTED: EventPattern = {
  source: ['aws.cloudwatch'],
  $or: [
    { metricName: ['CPUUtilization', 'ReadLatency'] },
    {
      metricType: ['MetricType'],
      namespace: ['AWS/EC2', 'AWS/ES'],
      $or: [{ metricId: [1234] }, { spaceId: [1000] }],
    },
    { scope: ['Service'] },
  ],
};

const cases: DocCase[] = [
  // --- eb-event-patterns ------------------------------------------------------------------------
  {
    title:
      'Creating event patterns (eb-event-patterns): the instance-termination pattern matches the EC2 event',
    pattern: EC2_TERMINATION_PATTERN,
    event: EC2_TERMINATED,
    expected: true,
  },
  {
    title: 'Creating event patterns (eb-event-patterns): a running instance is not a termination',
    pattern: EC2_TERMINATION_PATTERN,
    event: withDetail(EC2_TERMINATED, { 'instance-id': 'i-1234567890abcdef0', state: 'running' }),
    expected: false,
  },
  {
    title: 'Creating event patterns (eb-event-patterns): "the event must contain all the field names listed"',
    pattern: EC2_TERMINATION_PATTERN,
    event: withDetail(EC2_TERMINATED, { 'instance-id': 'i-1234567890abcdef0' }),
    expected: false,
  },
  {
    title: 'Creating event patterns (eb-event-patterns): fields not in the pattern are ignored ("*": "*")',
    pattern: { 'detail-type': ['EC2 Instance State-change Notification'] },
    event: EC2_TERMINATED,
    expected: true,
  },
  {
    title:
      'Creating event patterns (eb-event-patterns): "the same nesting structure" — a top-level state is not detail.state',
    pattern: { detail: { state: ['terminated'] } },
    event: { source: 'aws.ec2', state: 'terminated', detail: {} },
    expected: false,
  },
  {
    title: 'Creating event patterns (eb-event-patterns): strings match "without case-folding"',
    pattern: { source: ['AWS.EC2'] },
    event: EC2_TERMINATED,
    expected: false,
  },
  {
    title: 'Match values (eb-event-patterns): ["aws.ec2", "aws.fargate"] matches aws.fargate',
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    event: { ...EC2_TERMINATED, source: 'aws.fargate' },
    expected: true,
  },
  {
    title: 'Match values (eb-event-patterns): ["aws.ec2", "aws.fargate"] does not match aws.s3',
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    event: { ...EC2_TERMINATED, source: 'aws.s3' },
    expected: false,
  },
  {
    title: 'Field matching (eb-event-patterns): responseElements [null] matches the Auto Scaling event',
    pattern: {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance Launch Successful'],
      detail: { responseElements: [null] },
    },
    event: AUTOSCALING_LAUNCH,
    expected: true,
  },
  {
    title: 'Value matching (eb-event-patterns): risk-score 80 and trigger risk 8 match the Macie alert',
    pattern: {
      source: ['aws.macie'],
      'detail-type': ['Macie Alert'],
      detail: { 'risk-score': [80], trigger: { risk: [8] } },
    },
    event: MACIE_ALERT,
    expected: true,
  },
  {
    title: 'Value matching (eb-event-patterns): a different trigger risk does not match',
    pattern: { source: ['aws.macie'], detail: { 'risk-score': [80], trigger: { risk: [9] } } },
    event: MACIE_ALERT,
    expected: false,
  },
  {
    title: 'Value matching (eb-event-patterns): the string "80" is not the number 80',
    pattern: { detail: { 'risk-score': ['80'] } },
    event: MACIE_ALERT,
    expected: false,
  },
  {
    title: 'Value matching (eb-event-patterns): a value inside the event array detail.tags matches',
    pattern: { detail: { tags: ['Insider'] } },
    event: MACIE_ALERT,
    expected: true,
  },

  // --- eb-event-patterns-null-values --------------------------------------------------------------
  {
    title:
      'Matching null values and empty strings (eb-event-patterns-null-values): [""] matches eventVersion ""',
    pattern: { detail: { eventVersion: [''] } },
    event: AUTOSCALING_LAUNCH,
    expected: true,
  },
  {
    title:
      'Matching null values and empty strings (eb-event-patterns-null-values): [null] matches responseElements null',
    pattern: { detail: { responseElements: [null] } },
    event: AUTOSCALING_LAUNCH,
    expected: true,
  },
  {
    title:
      'Matching null values and empty strings (eb-event-patterns-null-values): "not interchangeable" — [null] vs ""',
    pattern: { detail: { eventVersion: [null] } },
    event: AUTOSCALING_LAUNCH,
    expected: false,
  },
  {
    title:
      'Matching null values and empty strings (eb-event-patterns-null-values): "not interchangeable" — [""] vs null',
    pattern: { detail: { responseElements: [''] } },
    event: AUTOSCALING_LAUNCH,
    expected: false,
  },
  {
    title:
      'Matching null values and empty strings (eb-event-patterns-null-values): [null] does not match a missing field',
    pattern: { detail: { requestParameters: [null] } },
    event: AUTOSCALING_LAUNCH,
    expected: false,
  },

  // --- eb-event-patterns-arrays -------------------------------------------------------------------
  {
    title:
      'Arrays in event patterns (eb-event-patterns-arrays): a non-empty intersection with the event array matches',
    pattern: ARRAY_PATTERN,
    event: {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    },
    expected: true,
  },
  {
    title: 'Arrays in event patterns (eb-event-patterns-arrays): an empty intersection does not match',
    pattern: ARRAY_PATTERN,
    event: { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] },
    expected: false,
  },
  {
    title: 'Arrays in event patterns (eb-event-patterns-arrays): an empty event array intersects nothing',
    pattern: ARRAY_PATTERN,
    event: AUTOSCALING_LAUNCH,
    expected: false,
  },
  {
    title: 'JSON Array Matching (event-ruler README): {"employees": {"firstName": ["Anna"]}} matches',
    pattern: { employees: { firstName: ['Anna'] } },
    event: EMPLOYEES,
    expected: true,
  },
  {
    title: 'JSON Array Matching (event-ruler README): multi-level arrays are crushed out too',
    pattern: { employees: { firstName: ['Anna'] } },
    event: EMPLOYEES_NESTED,
    expected: true,
  },
  {
    title: 'JSON Array Matching (event-ruler README): Anna/Jones come from different elements, so no match',
    pattern: { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
    event: EMPLOYEES,
    expected: false,
  },
  {
    title: 'JSON Array Matching (event-ruler README): Anna/Smith are in one element, so a match',
    pattern: { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
    event: EMPLOYEES_NESTED,
    expected: true,
  },

  // --- eb-create-pattern-operators: prefix and suffix ---------------------------------------------
  {
    title: 'Prefix matching (eb-create-pattern-operators): time starting with 2017-10-02 matches',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    event: { time: '2017-10-02T18:43:48Z' },
    expected: true,
  },
  {
    title: 'Prefix matching (eb-create-pattern-operators): another day does not match',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    event: { time: '2017-10-03T18:43:48Z' },
    expected: false,
  },
  {
    title:
      'Prefix matching example (content-filtering-with-event-patterns): Auto Scaling in eu- regions matches',
    pattern: { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] },
    event: { ...AUTOSCALING_LAUNCH, region: 'eu-west-1' },
    expected: true,
  },
  {
    title: 'Prefix matching example (content-filtering-with-event-patterns): us-east-1 does not match eu-',
    pattern: { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] },
    event: AUTOSCALING_LAUNCH,
    expected: false,
  },
  {
    title:
      'Prefix matching (eb-create-pattern-operators): "You can use prefix matching for string values" — not numbers',
    pattern: { detail: { 'c-count': [{ prefix: '5' }] } },
    event: RULER_EVENT,
    expected: false,
  },
  {
    title:
      'Prefix matching while ignoring case (eb-create-pattern-operators): EVENTBRIDGE starts with EventB',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event: { detail: { service: 'EVENTBRIDGE' } },
    expected: true,
  },
  {
    title:
      'Prefix matching while ignoring case (eb-create-pattern-operators): eventbridge starts with EventB',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event: { detail: { service: 'eventbridge' } },
    expected: true,
  },
  {
    title:
      'Prefix matching while ignoring case (eb-create-pattern-operators): lambda does not start with EventB',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event: { detail: { service: 'lambda' } },
    expected: false,
  },
  {
    title: 'Suffix matching (eb-create-pattern-operators): FileName ending in .png matches',
    pattern: { FileName: [{ suffix: '.png' }] },
    event: { FileName: 'photos/cat.png' },
    expected: true,
  },
  {
    title: 'Suffix matching (eb-create-pattern-operators): .PNG differs in case, so no match',
    pattern: { FileName: [{ suffix: '.png' }] },
    event: { FileName: 'photos/cat.PNG' },
    expected: false,
  },
  {
    title:
      'Suffix matching while ignoring case (eb-create-pattern-operators): .PNG matches .png ignoring case',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    event: { detail: { FileName: 'photos/cat.PNG' } },
    expected: true,
  },
  {
    title: 'Suffix matching while ignoring case (eb-create-pattern-operators): .jpg does not match',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    event: { detail: { FileName: 'photos/cat.jpg' } },
    expected: false,
  },

  // --- anything-but --------------------------------------------------------------------------------
  {
    title: 'Anything-but matching (eb-create-pattern-operators): running is anything but initializing',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: RULER_EVENT,
    expected: true,
  },
  {
    title: 'Anything-but matching (eb-create-pattern-operators): initializing is excluded',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: withDetail(RULER_EVENT, { state: 'initializing' }),
    expected: false,
  },
  {
    title: 'Anything-but matching (eb-create-pattern-operators): x-limit 301.8 is anything but 123',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: RULER_EVENT,
    expected: true,
  },
  {
    title: 'Anything-but matching (eb-create-pattern-operators): x-limit 123 is excluded',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: withDetail(RULER_EVENT, { 'x-limit': 123 }),
    expected: false,
  },
  {
    title: 'Anything-but matching (eb-create-pattern-operators): a list of strings excludes stopped',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: withDetail(RULER_EVENT, { state: 'stopped' }),
    expected: false,
  },
  {
    title: 'Anything-but matching (eb-create-pattern-operators): a list of strings lets running through',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: RULER_EVENT,
    expected: true,
  },
  {
    title: 'Anything-but matching (eb-create-pattern-operators): a list of numbers excludes 200',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event: withDetail(RULER_EVENT, { 'x-limit': 200 }),
    expected: false,
  },
  {
    title: 'Anything-but matching (eb-create-pattern-operators): a list of numbers lets 301.8 through',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event: RULER_EVENT,
    expected: true,
  },
  {
    title:
      'Anything-but matching on prefixes (eb-create-pattern-operators): initializing has the prefix init',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: withDetail(RULER_EVENT, { state: 'initializing' }),
    expected: false,
  },
  {
    title: 'Anything-but matching on prefixes (eb-create-pattern-operators): running does not',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: RULER_EVENT,
    expected: true,
  },
  {
    title:
      'Anything-but matching example (content-filtering-with-event-patterns): EC2 events are not CloudTrail reports',
    pattern: { 'detail-type': [{ 'anything-but': 'AWS API Call via CloudTrail' }] },
    event: EC2_TERMINATED,
    expected: true,
  },
  {
    title:
      'Anything-but matching example (content-filtering-with-event-patterns): ["aws.ec2", "aws.s3"] excludes aws.ec2',
    pattern: { source: [{ 'anything-but': ['aws.ec2', 'aws.s3'] }] },
    event: EC2_TERMINATED,
    expected: false,
  },
  {
    title:
      'Anything-but matching example (content-filtering-with-event-patterns): your own events are not "aws." events',
    pattern: { source: [{ 'anything-but': { prefix: 'aws.' } }] },
    event: { ...EC2_TERMINATED, source: 'com.mycompany.myapp' },
    expected: true,
  },
  {
    title:
      'Anything-but matching example (content-filtering-with-event-patterns): aws.ec2 has the prefix aws.',
    pattern: { source: [{ 'anything-but': { prefix: 'aws.' } }] },
    event: EC2_TERMINATED,
    expected: false,
  },
  {
    title: 'Anything-but matching on suffixes (eb-create-pattern-operators): a .png file is excluded',
    pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    event: { FileName: 'photos/cat.png' },
    expected: false,
  },
  {
    title: 'Anything-but matching on suffixes (eb-create-pattern-operators): a .txt file passes',
    pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    event: { FileName: 'notes.txt' },
    expected: true,
  },
  {
    title:
      'Anything-but ignoring case (eb-create-pattern-operators): INITIALIZING is excluded like initializing',
    pattern: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
    event: { state: 'INITIALIZING' },
    expected: false,
  },
  {
    title: 'Anything-but ignoring case (eb-create-pattern-operators): a list excludes Stopped',
    pattern: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
    event: { state: 'Stopped' },
    expected: false,
  },
  {
    title: 'Anything-but ignoring case (eb-create-pattern-operators): running is anything but those',
    pattern: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
    event: { state: 'Running' },
    expected: true,
  },
  {
    title:
      'Anything-but using a wildcard (eb-create-pattern-operators): a path that includes /lib/ is excluded',
    pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    event: { FilePath: '/usr/lib/libc.so' },
    expected: false,
  },
  {
    title: 'Anything-but using a wildcard (eb-create-pattern-operators): /usr/bin/bash passes',
    pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    event: { FilePath: '/usr/bin/bash' },
    expected: true,
  },
  {
    title:
      'Anything-but (eb-create-pattern-operators table): Weather is anything but "Raining" — Sunny passes',
    pattern: { Weather: [{ 'anything-but': ['Raining'] }] },
    event: { Weather: 'Sunny' },
    expected: true,
  },
  {
    title:
      'Anything-but over an event array (eb-event-patterns-arrays): "running" in the array is not "stopped"',
    pattern: { detail: { state: [{ 'anything-but': 'stopped' }] } },
    event: { detail: { state: ['stopped', 'running'] } },
    expected: true,
  },

  // --- numeric ----------------------------------------------------------------------------------
  {
    title:
      'Numeric matching (eb-create-pattern-operators): c-count 5, d-count 3, x-limit 301.8 satisfy all three',
    pattern: NUMERIC_PATTERN,
    event: RULER_EVENT,
    expected: true,
  },
  {
    title: 'Numeric matching (eb-create-pattern-operators): c-count 0 fails "> 0"',
    pattern: NUMERIC_PATTERN,
    event: withDetail(RULER_EVENT, { 'c-count': 0, 'd-count': 3, 'x-limit': 301.8 }),
    expected: false,
  },
  {
    title: 'Numeric matching (eb-create-pattern-operators): c-count 6 fails "<= 5"',
    pattern: NUMERIC_PATTERN,
    event: withDetail(RULER_EVENT, { 'c-count': 6, 'd-count': 3, 'x-limit': 301.8 }),
    expected: false,
  },
  {
    title: 'Numeric matching (eb-create-pattern-operators): "= 3.018e2" is the number 301.8, however written',
    pattern: { detail: { 'x-limit': [{ numeric: ['=', 301.8] }] } },
    event: { detail: { 'x-limit': 3.018e2 } },
    expected: true,
  },
  {
    title:
      'Numeric matching (eb-create-pattern-operators): "works with values that are JSON numbers" — not "5"',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    event: { detail: { 'c-count': '5' } },
    expected: false,
  },
  {
    title:
      'Numeric matching (eb-create-pattern-operators): "limited to values between -5.0e9 and +5.0e9" — 6e9 fails',
    pattern: { detail: { amount: [{ numeric: ['>', 0] }] } },
    event: { detail: { amount: 6e9 } },
    expected: false,
  },
  {
    title:
      'Numeric matching (eb-create-pattern-operators): "six digits to the right of the decimal point" — 1e-7 fails',
    pattern: { detail: { amount: [{ numeric: ['>', 0] }] } },
    event: { detail: { amount: 0.0000001 } },
    expected: false,
  },
  {
    title: 'Numeric (eb-create-pattern-operators table): Price more than 10 and at most 20 — 20 matches',
    pattern: { Price: [{ numeric: ['>', 10, '<=', 20] }] },
    event: { Price: 20 },
    expected: true,
  },
  {
    title: 'Numeric (eb-create-pattern-operators table): Price more than 10 and at most 20 — 10 does not',
    pattern: { Price: [{ numeric: ['>', 10, '<=', 20] }] },
    event: { Price: 10 },
    expected: false,
  },
  {
    title: 'Numeric (eb-create-pattern-operators table): Price is 100 — 100.0 matches',
    pattern: { Price: [{ numeric: ['=', 100] }] },
    event: { Price: 100.0 },
    expected: true,
  },
  {
    title: 'Numeric (eb-create-pattern-operators table): Price is 100 — 100.5 does not',
    pattern: { Price: [{ numeric: ['=', 100] }] },
    event: { Price: 100.5 },
    expected: false,
  },

  // --- cidr --------------------------------------------------------------------------------------
  {
    title: 'IP address matching (eb-create-pattern-operators): 10.0.0.255 is in 10.0.0.0/24',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: { detail: { sourceIPAddress: '10.0.0.255' } },
    expected: true,
  },
  {
    title: 'IP address matching (eb-create-pattern-operators): 10.0.1.0 is outside 10.0.0.0/24',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: { detail: { sourceIPAddress: '10.0.1.0' } },
    expected: false,
  },
  {
    title:
      'IP address matching (eb-create-pattern-operators): "for IPv4 and IPv6 addresses" — 2001:db8::1 in 2001:db8::/64',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8::/64' }] } },
    event: { detail: { sourceIPAddress: '2001:db8::1' } },
    expected: true,
  },
  {
    title: 'IP address matching (eb-create-pattern-operators): 2001:db9::1 is outside 2001:db8::/64',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8::/64' }] } },
    event: { detail: { sourceIPAddress: '2001:db9::1' } },
    expected: false,
  },
  {
    title: 'IP address matching (eb-create-pattern-operators): an IPv4 address is not in an IPv6 block',
    pattern: { detail: { sourceIPAddress: [{ cidr: '::/0' }] } },
    event: { detail: { sourceIPAddress: '10.0.0.1' } },
    expected: false,
  },
  {
    title:
      'IP address matching (eb-create-pattern-operators): a value that is not an IP address never matches',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/8' }] } },
    event: { detail: { sourceIPAddress: 'localhost' } },
    expected: false,
  },
  {
    title: 'IP Address Matching (event-ruler README): source-ip 10.0.0.33 is in 10.0.0.0/24',
    pattern: { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } },
    event: RULER_EVENT,
    expected: true,
  },

  // --- exists ------------------------------------------------------------------------------------
  {
    title:
      'Exists matching (eb-event-patterns-content-based-filtering): detail.state exists in the EC2 event',
    pattern: { detail: { state: [{ exists: true }] } },
    event: {
      version: '0',
      id: '7bf73129-1428-4cd3-a780-95db273d1602',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '123456789012',
      time: '2015-11-11T21:29:54Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
      detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
    },
    expected: true,
  },
  {
    title:
      'Exists matching (eb-event-patterns-content-based-filtering): an event with only detail.c-count has no detail.state',
    pattern: { detail: { state: [{ exists: true }] } },
    event: {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { 'c-count': { c1: 100 } },
    },
    expected: false,
  },
  {
    title:
      'Exists matching (eb-event-patterns-content-based-filtering): detail.state given as an array exists',
    pattern: { detail: { state: [{ exists: true }] } },
    event: {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { state: ['initializing', 'running'] },
    },
    expected: true,
  },
  {
    title:
      'Exists matching (content-filtering-with-event-patterns): exists false matches an event without detail.c-count',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { state: ['initializing', 'running'] },
    },
    expected: true,
  },
  {
    title:
      'Exists matching (content-filtering-with-event-patterns): "also match ... because c-count is not a leaf node"',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } },
    },
    expected: true,
  },
  {
    title:
      'Exists matching (content-filtering-with-event-patterns): exists false fails when c-count is a value',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: RULER_EVENT,
    expected: false,
  },
  {
    title:
      'Existence matching example (content-filtering-with-event-patterns): events with a description are selected',
    pattern: { detail: { description: [{ exists: true }] } },
    event: { detail: { description: 'Scanning bucket policies' } },
    expected: true,
  },
  {
    title:
      'Exists (eb-create-pattern-operators table): ProductName does not exist — matches when it is absent',
    pattern: { ProductName: [{ exists: false }] },
    event: { Price: 100 },
    expected: true,
  },

  // --- equals-ignore-case, equals, empty, null (operator table) --------------------------------------
  {
    title: 'Equals-ignore-case matching (eb-create-pattern-operators): Alice equals alice ignoring case',
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    event: { Name: 'Alice' },
    expected: true,
  },
  {
    title: 'Equals-ignore-case matching (eb-create-pattern-operators): Alicia is a different name',
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    event: { Name: 'Alicia' },
    expected: false,
  },
  {
    title: 'Equals (eb-create-pattern-operators table): Name is "Alice"',
    pattern: { Name: ['Alice'] },
    event: { Name: 'Alice' },
    expected: true,
  },
  {
    title: 'Empty (eb-create-pattern-operators table): LastName [""] does not match "Smith"',
    pattern: { LastName: [''] },
    event: { LastName: 'Smith' },
    expected: false,
  },
  {
    title: 'Null (eb-create-pattern-operators table): UserID is null',
    pattern: { UserID: [null] },
    event: { UserID: null },
    expected: true,
  },
  {
    title:
      'Equals-ignore-case matching (event-ruler README): "EC2" is compared with the whole value, so aws.ec2 differs',
    pattern: { source: [{ 'equals-ignore-case': 'EC2' }] },
    event: RULER_EVENT,
    expected: false,
  },

  {
    title: 'Suffix matching (event-ruler README): source aws.ec2 ends with ec2',
    pattern: { source: [{ suffix: 'ec2' }] },
    event: RULER_EVENT,
    expected: true,
  },

  // --- wildcard ----------------------------------------------------------------------------------
  {
    title: 'Wildcard matching (eb-create-pattern-operators): any account and any bus in us-east-1',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    event: { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
    expected: true,
  },
  {
    title: 'Wildcard matching (eb-create-pattern-operators): a bus in us-west-2 does not match',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    event: { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default' },
    expected: false,
  },
  {
    title: 'Wildcard (eb-create-pattern-operators table): a .png file within the folder "dir"',
    pattern: { FileName: [{ wildcard: 'dir/*.png' }] },
    event: { FileName: 'dir/cat.png' },
    expected: true,
  },
  {
    title: 'Wildcard (eb-create-pattern-operators table): a .png file in another folder does not match',
    pattern: { FileName: [{ wildcard: 'dir/*.png' }] },
    event: { FileName: 'other/cat.png' },
    expected: false,
  },
  {
    title: 'Wildcard matching (AWS Compute Blog, wildcard filters): "*" matches zero characters too',
    pattern: { FileName: [{ wildcard: '*.png' }] },
    event: { FileName: '.png' },
    expected: true,
  },
  {
    title: 'Wildcard matching (AWS Compute Blog, wildcard filters): "*Title*" matches Title in the middle',
    pattern: { title: [{ wildcard: '*Title*' }] },
    event: { title: 'The Title Page' },
    expected: true,
  },
  {
    title: 'Wildcard Matching (event-ruler README): Simple*Service matches SimpleQueueService',
    pattern: { source: [{ wildcard: 'Simple*Service' }] },
    event: { source: 'SimpleQueueService' },
    expected: true,
  },
  {
    title: 'Wildcard Matching (event-ruler README): an escaped \\* matches a literal asterisk',
    pattern: { key: [{ wildcard: 'a\\*b' }] },
    event: { key: 'a*b' },
    expected: true,
  },
  {
    title: 'Wildcard Matching (event-ruler README): an escaped \\* is not a wildcard',
    pattern: { key: [{ wildcard: 'a\\*b' }] },
    event: { key: 'axxb' },
    expected: false,
  },
  {
    title: 'Wildcard Matching (event-ruler README): "only work on string-valued fields"',
    pattern: { detail: { 'c-count': [{ wildcard: '*' }] } },
    event: RULER_EVENT,
    expected: false,
  },

  // --- $or ----------------------------------------------------------------------------------------
  {
    title: 'Or matching (eb-create-pattern-operators): d-count 3 satisfies the second alternative',
    pattern: OR_NUMERIC,
    event: { detail: { 'd-count': 3 } },
    expected: true,
  },
  {
    title: 'Or matching (eb-create-pattern-operators): no alternative holds',
    pattern: OR_NUMERIC,
    event: { detail: { 'c-count': 9, 'd-count': 20, 'x-limit': 1 } },
    expected: false,
  },
  {
    title:
      'Or (eb-create-pattern-operators table): Location is "New York", or Day is "Monday" — Monday matches',
    pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    event: { Location: 'Boston', Day: 'Monday' },
    expected: true,
  },
  {
    title: 'Or (eb-create-pattern-operators table): Location is "New York", or Day is "Monday" — neither',
    pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    event: { Location: 'Boston', Day: 'Friday' },
    expected: false,
  },
  {
    title: 'Or (eb-create-pattern-operators table): PaymentType is "Credit" or "Debit"',
    pattern: { PaymentType: ['Credit', 'Debit'] },
    event: { PaymentType: 'Debit' },
    expected: true,
  },
  {
    title: 'The $or Primitive (event-ruler README): normal "Or" — source and namespace',
    pattern: OR_NORMAL,
    event: { source: 'aws.cloudwatch', namespace: 'AWS/EC2' },
    expected: true,
  },
  {
    title: 'The $or Primitive (event-ruler README): normal "Or" — the source condition still applies',
    pattern: OR_NORMAL,
    event: { source: 'aws.ec2', namespace: 'AWS/EC2' },
    expected: false,
  },
  {
    title: 'The $or Primitive (event-ruler README): parallel "Or" — one of each pair',
    pattern: OR_PARALLEL,
    event: { metricName: 'CPUUtilization', detail: { 'detail-type': 'CloudWatch Alarm State Change' } },
    expected: true,
  },
  {
    title: 'The $or Primitive (event-ruler README): parallel "Or" — the detail pair fails',
    pattern: OR_PARALLEL,
    event: { metricName: 'CPUUtilization', detail: { source: 'aws.ec2' } },
    expected: false,
  },
  {
    title: 'The $or Primitive (event-ruler README): "Or" has an "And" inside — metricType and namespace',
    pattern: OR_WITH_AND,
    event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' },
    expected: true,
  },
  {
    title:
      'The $or Primitive (event-ruler README): "Or" has an "And" inside — metricType alone is not enough',
    pattern: OR_WITH_AND,
    event: { source: 'aws.cloudwatch', metricType: 'MetricType' },
    expected: false,
  },
  {
    title: 'The $or Primitive (event-ruler README): nested "Or" and "And" — metricId 1234',
    pattern: OR_NESTED,
    event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', metricId: 1234 },
    expected: true,
  },
  {
    title: 'The $or Primitive (event-ruler README): nested "Or" and "And" — neither metricId nor spaceId',
    pattern: OR_NESTED,
    event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' },
    expected: false,
  },
  {
    title: 'The $or Primitive (event-ruler README): nested "Or" and "And" — scope alone',
    pattern: OR_NESTED,
    event: { source: 'aws.cloudwatch', scope: 'Service' },
    expected: true,
  },

  // --- complex ------------------------------------------------------------------------------------
  {
    title:
      'Complex example with multiple matching (eb-event-patterns-content-based-filtering): the sample event matches',
    pattern: COMPLEX_PATTERN,
    event: RULER_EVENT,
    expected: true,
  },
  {
    title:
      'Complex example with multiple matching (eb-event-patterns-content-based-filtering): state initializing fails',
    pattern: COMPLEX_PATTERN,
    event: withDetail(RULER_EVENT, { ...RULER_EVENT.detail, state: 'initializing' }),
    expected: false,
  },
  {
    title:
      'Complex example with multiple matching (eb-event-patterns-content-based-filtering): x-limit 200 fails',
    pattern: COMPLEX_PATTERN,
    event: withDetail(RULER_EVENT, { ...RULER_EVENT.detail, 'x-limit': 200 }),
    expected: false,
  },
  {
    title:
      'Complex example with multiple matching (eb-event-patterns-content-based-filtering): a missing d-count fails',
    pattern: COMPLEX_PATTERN,
    event: withDetail(RULER_EVENT, {
      'c-count': 5,
      'x-limit': 301.8,
      'source-ip': '10.0.0.33',
      'instance-id': 'i-000000aaaaaa00000',
      state: 'running',
    }),
    expected: false,
  },
];

describe('EventBridge documentation examples', () => {
  it('has a case for every section, positive and negative', () => {
    // Arrange
    const positives = cases.filter((each) => each.expected).length;

    // Act
    const negatives = cases.length - positives;

    // Assert
    expect(cases.length).toBeGreaterThanOrEqual(80);
    expect(positives).toBeGreaterThan(30);
    expect(negatives).toBeGreaterThan(30);
  });

  it.each(cases)('$title', ({ pattern, event, expected }) => {
    // Arrange
    const index = compilePatternIndex([{ pattern, value: 'rule' }]);

    // Act
    const direct = matchesPattern(pattern, event);
    const indexed = index.match(event);

    // Assert
    expect(direct).toBe(expected);
    expect(indexed).toEqual(expected ? ['rule'] : []);
  });

  it('gives the same answers with every documented pattern in one index', () => {
    // Arrange
    const index = compilePatternIndex(
      cases.map((each, position) => ({ pattern: each.pattern, value: position })),
    );
    const events = cases.map((each) => each.event);

    // Act
    const indexed = events.map((event) => index.match(event));

    // Assert
    const expected = events.map((event) =>
      cases.flatMap((each, position) => (matchesPattern(each.pattern, event) ? [position] : [])),
    );
    expect(indexed).toEqual(expected);
  });

  it('Complex example with multiple matching (eb-event-patterns-content-based-filtering): "if you include a key more than once the last reference will be the one used"', () => {
    // Arrange
    const parsed: unknown = JSON.parse(
      '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}',
    );
    assertValidPattern(parsed);
    const index = compilePatternIndex([{ pattern: parsed, value: 'rule' }]);
    const europe = { detail: { location: 'eu-west' } };
    const usEast = { detail: { location: 'us-east' } };

    // Act
    const results = [matchesPattern(parsed, europe), matchesPattern(parsed, usEast)];
    const indexed = [index.match(europe), index.match(usEast)];

    // Assert
    expect(results).toEqual([true, false]);
    expect(indexed).toEqual([['rule'], []]);
  });
});
