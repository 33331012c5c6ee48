import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A certificate for 127.0.0.1 and its key, PEM, and the certificate's file (the CA to trust). */
export interface SelfSigned {
  cert: string;
  key: string;
  certFile: string;
}

/**
 * A self-signed certificate for IP 127.0.0.1 (and localhost), made by the real `openssl`
 * in `dir`: test servers speak HTTPS the way the real services do, and clients are told to
 * trust exactly this certificate, never to skip verification.
 */
export function selfSignedCertificate(dir: string): SelfSigned {
  const certFile = path.join(dir, 'server.crt');
  const keyFile = path.join(dir, 'server.key');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'pipe' });
  return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8'), certFile };
}
