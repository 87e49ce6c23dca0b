// Lab 7's identity provider: npm `oidc-provider` (OpenID Certified), standing in for the company's IdP.
// Secrets come from the environment (lab7-secrets.env), never from this file or a command line.
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.IDP_PORT || 7707);
const mlflow = process.env.MLFLOW_URL || "http://localhost:7607";
// Who may sign in, and their groups: mlflow reads `groups` to decide who gets in and who is admin.
const people = {
  alice: { name: "Alice Learner", groups: ["mlflow"] },
  bob: { name: "Bob Reader", groups: ["mlflow"] },
  carol: { name: "Carol Contributor", groups: ["mlflow"] },
  admin: { name: "Ada Admin", groups: ["mlflow", "mlflow-admin"] },
  mallory: { name: "Mallory Outsider", groups: ["contractors"] },
};
// A signing key of our own: without `jwks`, oidc-provider signs with a PUBLIC development key.
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

const provider = new Provider(`http://localhost:${port}`, {
  clients: [{
    client_id: "mlflow",
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [`${mlflow}/callback`],
    post_logout_redirect_uris: [mlflow],
  }],
  jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), use: "sig", alg: "RS256", kid: "lab7" }] },
  cookies: { keys: [process.env.IDP_COOKIE_KEY] },
  scopes: ["openid", "email", "profile", "groups"],
  claims: { email: ["email", "email_verified"], profile: ["name", "preferred_username"], groups: ["groups"] },
  conformIdTokenClaims: false, // put the granted claims (groups!) in the ID token, where mlflow-oidc-auth reads them
  pkce: { required: () => false }, // PKCE as the client sends it (mlflow-oidc-auth sends S256)
  async findAccount(ctx, sub) {
    const p = people[sub];
    if (!p) return undefined;
    return { accountId: sub, claims: () => ({ sub, email: `${sub}@example.com`, email_verified: true,
                                              name: p.name, preferred_username: sub, groups: p.groups }) };
  },
});
provider.listen(port, "127.0.0.1", () => console.log(`identity provider on http://localhost:${port}`));
