// Lab 7's identity provider: npm `oidc-provider` (OpenID Certified), standing in for the company's IdP.
// Secrets come from the environment (lab7-secrets.env), never from this file or a command line.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import Provider from "oidc-provider";

const port = Number(process.env.IDP_PORT || 7707);
const mlflow = process.env.MLFLOW_URL || "http://localhost:7607";
// Who may sign in, and their groups: mlflow reads `groups` to decide who gets in and who is admin.
const people = {
  alice: { name: "Alice Learner", groups: ["mlflow"] },
  bob: { name: "Bob Reader", groups: ["mlflow"] },
  carol: { name: "Carol Contributor", groups: ["mlflow"] },
  admin: { name: "Ada Admin", groups: ["mlflow", "mlflow-admin"] },
  dave: { name: "Dave Departing", groups: ["mlflow"] },
  mallory: { name: "Mallory Outsider", groups: ["contractors"] },
};
// The directory's changes (someone leaves a group): `idp-groups.json` in the folder the IdP runs in,
// {"alice": ["contractors"]}, read at every sign-in and token, as a company's directory is.
function groupsOf(sub) {
  try {
    return JSON.parse(readFileSync("idp-groups.json", "utf8"))[sub] ?? people[sub].groups;
  } catch (err) {
    if (err.code === "ENOENT") return people[sub].groups;
    throw err;
  }
}
// A signing key of our own: without `jwks`, oidc-provider signs with a PUBLIC development key.
// IDP_SIGNING_KEY_FILE (unset in this lab): keep the key in that file, made at the first start and read
// at the next, so two IdPs on two ports (two issuers) sign with one key, as a multi-tenant IdP does; the
// course's tests use it to prove that MLflow checks `iss` (OIDC_ISSUER). Unset, a new key at every start.
function signingKey(file) {
  const make = () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  if (!file) return make();
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
    const jwk = make();
    writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
    return jwk;
  }
}
const key = signingKey(process.env.IDP_SIGNING_KEY_FILE);

const provider = new Provider(`http://localhost:${port}`, {
  clients: [{
    client_id: "mlflow",
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [`${mlflow}/callback`],
    post_logout_redirect_uris: [`${mlflow}/oidc/ui/auth`], // where MLflow's Logout asks to come back to
  }, {
    // Another application of the same company (a public client: no secret, PKCE). Its ID tokens are
    // genuine, signed by this IdP, for the same people: MLflow must refuse them (OIDC_AUDIENCE).
    client_id: "reports",
    token_endpoint_auth_method: "none",
    redirect_uris: ["http://localhost:7708/callback"],
  }],
  jwks: { keys: [{ ...key, use: "sig", alg: "RS256", kid: "lab7" }] },
  // IDP_ID_TOKEN_TTL (unset in this lab): ID tokens' lifetime in seconds; unset, oidc-provider's hour.
  // The course's tests set a few seconds to watch MLflow refuse a genuine ID token once it has expired.
  ttl: { IdToken: process.env.IDP_ID_TOKEN_TTL ? Number(process.env.IDP_ID_TOKEN_TTL) : undefined },
  cookies: { keys: [process.env.IDP_COOKIE_KEY] },
  scopes: ["openid", "email", "profile", "groups"],
  claims: { email: ["email", "email_verified"], profile: ["name", "preferred_username"], groups: ["groups"] },
  conformIdTokenClaims: false, // put the granted claims (groups!) in the ID token, where mlflow-oidc-auth reads them
  pkce: { required: () => false }, // PKCE as the client sends it (mlflow-oidc-auth sends S256)
  async findAccount(ctx, sub) {
    const p = people[sub];
    if (!p) return undefined;
    return { accountId: sub, claims: () => ({ sub, email: `${sub}@example.com`, email_verified: true,
                                              name: p.name, preferred_username: sub, groups: groupsOf(sub) }) };
  },
});
// "Yes, sign me out" ends the IdP's session; the browser would then go straight back to MLflow's sign-in
// page, which does not say what happened. Say it, and link on to where the IdP was sending the browser.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.oidc?.route !== "end_session_confirm" || !ctx.oidc.params?.logout || ctx.status !== 303) return;
  const back = ctx.response.get("location");
  const fromMlflow = back.startsWith(`${mlflow}/`);
  const link = back.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  ctx.remove("Location");
  ctx.status = 200;
  ctx.type = "html";
  ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Signed out</title></head><body>
    <h1>Signed out</h1>
    <p>You are signed out of ${fromMlflow ? "MLflow and of " : ""}the identity provider: the next sign-in asks who you are.</p>
    ${fromMlflow ? `<p><a href="${link}">Back to MLflow</a></p>` : ""}</body></html>`;
});
provider.listen(port, "127.0.0.1", () => console.log(`identity provider on http://localhost:${port}`));
