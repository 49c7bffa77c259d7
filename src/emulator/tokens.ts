/**
 * Bearer tokens of the emulator: HS256 JWTs signed with a secret made at start, carrying the claims
 * ARM copies into `systemData` and Event Grid events (object id, app id, tenant, name), and the
 * actions of the role the caller holds (the emulator's stand-in for role assignments; see
 * authorization.ts). A caller without a role holds the default one (the deployment's custom role
 * plus Reader).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface Caller {
  /** Entra object id (`oid`, the `.../objectidentifier` claim). */
  objectId: string;
  /** Client application id (`appid`). */
  appId?: string;
  /** Display name or UPN of a user; absent for an application. */
  name?: string;
  tenantId?: string;
  /** Actions of the caller's role (role-definition patterns); default: the generated custom role plus Reader. */
  role?: readonly string[];
}

export interface TokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  oid: string;
  appid?: string;
  tid: string;
  name?: string;
  upn?: string;
  idtyp?: "user" | "app";
  /** The caller's role actions (an emulator claim; ARM resolves role assignments instead). */
  nspg_role?: string[];
}

export const DEFAULT_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const ARM_AUDIENCE = "https://management.azure.com/";

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export class TokenIssuer {
  private readonly secret = randomBytes(32);

  mint(caller: Caller, lifetimeSeconds = 3600, now = Date.now()): string {
    const iat = Math.floor(now / 1000);
    const claims: TokenClaims = {
      aud: ARM_AUDIENCE,
      iss: `https://sts.windows.net/${caller.tenantId ?? DEFAULT_TENANT}/`,
      iat,
      nbf: iat - 5,
      exp: iat + lifetimeSeconds,
      oid: caller.objectId,
      tid: caller.tenantId ?? DEFAULT_TENANT,
      ...(caller.appId ? { appid: caller.appId } : {}),
      ...(caller.name ? { name: caller.name, upn: caller.name, idtyp: "user" as const } : { idtyp: "app" as const }),
      ...(caller.role ? { nspg_role: [...caller.role] } : {}),
    };
    const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const body = b64url(JSON.stringify(claims));
    const sig = createHmac("sha256", this.secret).update(`${head}.${body}`).digest("base64url");
    return `${head}.${body}.${sig}`;
  }

  /** The claims of a token this issuer signed and that is valid now; undefined otherwise. */
  verify(token: string, now = Date.now()): TokenClaims | undefined {
    const [head, body, sig] = token.split(".");
    if (!head || !body || !sig) return undefined;
    const expected = createHmac("sha256", this.secret).update(`${head}.${body}`).digest();
    const given = Buffer.from(sig, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as TokenClaims;
      const seconds = now / 1000;
      if (claims.aud !== ARM_AUDIENCE || claims.exp < seconds || claims.nbf > seconds + 60) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }
}

export function callerOf(claims: TokenClaims): Caller {
  return {
    objectId: claims.oid,
    ...(claims.appid ? { appId: claims.appid } : {}),
    ...(claims.name ? { name: claims.name } : {}),
    tenantId: claims.tid,
    ...(claims.nspg_role ? { role: claims.nspg_role } : {}),
  };
}

/** Claims in the form Event Grid puts them in `data.claims` (long URIs for object id and tenant). */
export function eventClaims(claims: TokenClaims): Record<string, string> {
  return {
    aud: claims.aud,
    iss: claims.iss,
    iat: String(claims.iat),
    nbf: String(claims.nbf),
    exp: String(claims.exp),
    ...(claims.appid ? { appid: claims.appid, appidacr: "2" } : {}),
    "http://schemas.microsoft.com/identity/claims/objectidentifier": claims.oid,
    "http://schemas.microsoft.com/identity/claims/tenantid": claims.tid,
    ...(claims.name
      ? { name: claims.name, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": claims.upn ?? claims.name }
      : {}),
    ver: "1.0",
  };
}
