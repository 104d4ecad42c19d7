// DynamoDB Local has no bind option (it listens on every interface) and its CORS default is `*`:
// any web page open in the developer's browser could read and write the local tables. Nudge
// starts it with a CORS allow-list that admits no page, says at start that the port is reachable
// from the network, and keeps `--live` (real provider credentials, real customer data) off it.
import { describe, expect, inject, it } from 'vitest';
import { DYNAMODB_LOCAL_NETWORK_NOTICE, dynamoDbLocalArgs } from '../../../local/dynamodb/dynamodb-local.ts';
import { engineForRun } from '../../../local/dynamodb/local-dynamodb.ts';

const endpoint = inject('dynamodbEndpoint');
const LIST_TABLES = {
  'x-amz-target': 'DynamoDB_20120810.ListTables',
  'content-type': 'application/x-amz-json-1.0',
};

describe('DynamoDB Local, reached from a web page', () => {
  it.each(['http://evil.example', 'http://localhost:3000', 'null'])(
    'a preflight from %s gets no Access-Control-Allow-Origin',
    async (origin) => {
      const preflight = await fetch(endpoint, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-amz-target,content-type,authorization',
        },
      });
      const allowed = preflight.headers.get('access-control-allow-origin');
      expect(allowed === '*' || allowed === origin).toBe(false);
    },
  );

  it('a request from a foreign page gets no Access-Control-Allow-Origin (the browser hides the answer)', async () => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        ...LIST_TABLES,
        origin: 'http://evil.example',
        authorization:
          'AWS4-HMAC-SHA256 Credential=a/20261204/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });
    const allowed = response.headers.get('access-control-allow-origin');
    expect(allowed === '*' || allowed === 'http://evil.example').toBe(false);
  });
});

describe('how Nudge starts DynamoDB Local', () => {
  it('passes one -cors origin that no page can have (a reserved .invalid name)', () => {
    const args = dynamoDbLocalArgs({
      libraryPath: '/lib',
      jarPath: '/x.jar',
      dataDir: undefined,
      port: 8000,
    });
    const at = args.indexOf('-cors');
    expect(at).toBeGreaterThan(-1);
    const origins = (args[at + 1] ?? '').split(',');
    expect(origins).toHaveLength(1);
    expect(origins[0]).not.toBe('*');
    expect(new URL(origins[0] ?? '').hostname).toMatch(/\.invalid$/);
    expect(args.slice(args.indexOf('-port'), args.indexOf('-port') + 2)).toEqual(['-port', '8000']);
  });

  it('says that its port is reachable from the network', () => {
    expect(DYNAMODB_LOCAL_NETWORK_NOTICE(8000)).toMatch(/8000/);
    expect(DYNAMODB_LOCAL_NETWORK_NOTICE(8000)).toMatch(
      /every network interface|reachable from other machines/,
    );
  });

  it('runs --live on dynalite (127.0.0.1 only), and refuses --live on DynamoDB Local', () => {
    expect(engineForRun('auto', true)).toMatchObject({ ok: true, engine: 'dynalite' });
    expect(engineForRun('dynalite', true)).toMatchObject({ ok: true, engine: 'dynalite' });
    const refused = engineForRun('dynamodb-local', true);
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.error).toMatch(/--live/);
    expect(engineForRun('auto', false)).toEqual({ ok: true, engine: 'auto' });
    expect(engineForRun('dynamodb-local', false)).toEqual({ ok: true, engine: 'dynamodb-local' });
  });
});
