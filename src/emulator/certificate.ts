/** The emulator's TLS certificate, made at start: the Azure SDK sends bearer tokens over HTTPS only. */
import selfsigned from "selfsigned";

export interface ServerCertificate {
  /** PEM of the certificate; clients trust it as their CA (it is self-signed). */
  cert: string;
  key: string;
}

export async function generateServerCertificate(hosts: readonly string[] = ["localhost", "127.0.0.1", "::1"]): Promise<ServerCertificate> {
  const altNames = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }));
  const pems = await selfsigned.generate([{ name: "commonName", value: "nsp-guardrail ARM emulator" }], {
    keyType: "ec",
    curve: "P-256",
    notAfterDate: new Date(Date.now() + 7 * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
