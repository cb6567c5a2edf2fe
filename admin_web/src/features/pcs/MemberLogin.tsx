/** A member's login for a tile or a row: asked of the hub once per member, then kept (logins do not change). */
import { useQuery } from "@tanstack/react-query";

import { frontdesk } from "../../api/frontdesk";

export function MemberLogin({ memberId }: { memberId: string }) {
  const login = useQuery({
    queryKey: ["member-login", memberId],
    queryFn: async () => (await frontdesk.member(memberId)).login,
    staleTime: Infinity,
    retry: 1,
  });
  return <>{login.data ?? "…"}</>;
}
