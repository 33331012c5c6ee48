import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseAuthorization, type SeenRequest } from './seen-requests';
import { selfSignedCertificate } from './self-signed';

/**
 * A small stand-in for a Kubernetes API server on https://127.0.0.1 (self-signed
 * certificate made by openssl; the kubeconfig carries it as the cluster's CA). It answers
 * the discovery documents kubectl asks for first and the pod list of `default`, only with
 * `Authorization: Bearer <token>` that `isValid` accepts (the test asks the issuer);
 * anything else gets the 401 Status a real API server sends. A stand-in because a real
 * API server (etcd, certificates, a control plane) cannot run in a unit-sized test.
 */
export interface KubeApi {
  server: string;
  /** PEM of the certificate to trust (the kubeconfig's certificate-authority-data). */
  caPem: string;
  /** Names of the pods the list returns. */
  pods: string[];
  seen: SeenRequest[];
  close(): Promise<void>;
}

const status401 = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

export async function startKubeApi(root: string, isValid: (token: string) => Promise<boolean>): Promise<KubeApi> {
  const certificate = selfSignedCertificate(root);
  const pods = ['credshare-hello-7d4b9'];
  const documents: Record<string, unknown> = {
    '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0-credshare-test', platform: 'linux/amd64' },
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
    '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
    '/api/v1': {
      kind: 'APIResourceList', groupVersion: 'v1',
      resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] }],
    },
    '/api/v1/namespaces/default/pods': {
      kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' },
      items: pods.map((name) => ({
        kind: 'Pod', apiVersion: 'v1',
        metadata: { name, namespace: 'default', uid: '0b5e0d3c-6f1e-4c57-9a39-2f4a6c2b0001', creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
        spec: { containers: [{ name: 'hello', image: 'hello:1' }] },
        status: { phase: 'Running' },
      })),
    },
  };
  const seen: SeenRequest[] = [];
  const server = https.createServer({ cert: certificate.cert, key: certificate.key }, async (req, res) => {
    const { scheme, token } = parseAuthorization(req.headers.authorization);
    const accepted = scheme === 'Bearer' && token !== undefined && (await isValid(token));
    seen.push({ method: req.method ?? '', path: req.url ?? '', scheme, token, accepted });
    const document = accepted ? documents[new URL(req.url ?? '/', 'https://127.0.0.1').pathname] : status401;
    const status = !accepted ? 401 : document ? 200 : 404;
    res.writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify(document ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caPem: certificate.cert,
    pods,
    seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
