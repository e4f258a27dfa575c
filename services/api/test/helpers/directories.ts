import { admin } from "./clients.ts";
import type { TestEnv } from "./env.ts";

export type Directory = { directoryId: string; token: string };

/** Another directory of a company (with its flags) and a token for it. */
export async function addDirectory(env: TestEnv, companyId: string, body: Record<string, unknown>): Promise<Directory> {
  const directory = await admin(env, "POST", `/companies/${companyId}/directories`, body);
  if (directory.status !== 201) throw new Error(`directory: ${directory.status} ${JSON.stringify(directory.body)}`);
  const token = await admin(env, "POST", `/directories/${directory.body.id}/tokens`);
  if (token.status !== 201) throw new Error(`token: ${token.status} ${JSON.stringify(token.body)}`);
  return { directoryId: directory.body.id as string, token: token.body.token as string };
}

/** A SCIM filter for one userName, as Okta and Entra look a user up before creating it. */
export const byUserName = (userName: string) => `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`;
