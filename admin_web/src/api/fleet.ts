/** The fleet's agent versions and the rollouts of agent releases (hub/api/fleet.py). */
import { call, client, query } from "./client";
import type { Answer } from "./types";

type Item<P> = P extends { items: (infer T)[] } ? T : never;

export type RolloutPage = Answer<"get~fleet.list_rollouts", never>;
export type Rollout = Item<RolloutPage>;
export type Release = Item<Answer<"get~fleet.list_releases", never>>;

export const fleet = {
  rollouts: (offset: number, limit: number) =>
    call<RolloutPage>(client.GET("/api/v1/agent-rollouts", query<"get~fleet.list_rollouts">({ offset, limit }))),
  releases: (offset: number, limit: number) =>
    call<Answer<"get~fleet.list_releases", never>>(
      client.GET("/api/v1/agent-releases", query<"get~fleet.list_releases">({ offset, limit })),
    ),
};
