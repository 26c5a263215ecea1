// A minimal HTTPS client for the API server (client-certificate auth), used by `up` to wait for
// readiness and to register the KWOK nodes without depending on kubectl.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import type { ClientCert } from './pki.ts';

export interface ApiTarget {
  port: number;
  caFile: string;
  client: ClientCert;
}

export interface ApiResponse {
  status: number;
  body: string;
}

export function apiRequest(t: ApiTarget, method: string, path: string, body?: unknown, timeoutMs = 5_000): Promise<ApiResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolveRes, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: t.port,
        method,
        path,
        ca: readFileSync(t.caFile),
        cert: readFileSync(t.client.cert),
        key: readFileSync(t.client.key),
        servername: 'localhost',
        headers:
          payload === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolveRes({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs}ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export async function apiJson<T = any>(
  t: ApiTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T | undefined; body: string }> {
  const res = await apiRequest(t, method, path, body);
  let json: T | undefined;
  try {
    json = JSON.parse(res.body) as T;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, body: res.body };
}

/** True when /readyz answers 200. */
export async function isReady(t: ApiTarget): Promise<boolean> {
  try {
    const res = await apiRequest(t, 'GET', '/readyz', undefined, 3_000);
    return res.status === 200;
  } catch {
    return false;
  }
}
