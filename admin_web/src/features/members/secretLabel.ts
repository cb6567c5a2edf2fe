import type { TFunction } from "i18next";

import type { Member } from "../../api/frontdesk";

/** How the member signs in: PIN, password, or a password strong enough for offline logins. */
export function secretLabel(member: Pick<Member, "secret_kind" | "offline_login">, t: TFunction): string {
  if (member.secret_kind === "pin") return t("members.secretKinds.pin");
  return member.offline_login ? t("members.secretKinds.offline") : t("members.secretKinds.password");
}
