/**
 * Exports through the API: a list or report as CSV, XLSX or PDF made by a background job on the hub
 * (POST /exports answers at once; progress comes on the WebSocket), then its file fetched with the token.
 */
import { call, client } from "./client";
import type { operations } from "./schema";
import type { Answer } from "./types";

type CreateBody = NonNullable<operations["post~exports.create_export"]["requestBody"]>["content"]["application/json"];

export type ExportJob = Answer<"get~exports.get_export", never>;
export type ExportKind = CreateBody["kind"];
export type ExportFormat = CreateBody["format"];
export type ExportFilters = NonNullable<CreateBody["filters"]>;

const path = (exportId: string) => ({ path: { export_id: exportId } });

export const exportsApi = {
  start: (kind: ExportKind, format: ExportFormat, filters: ExportFilters) =>
    call<ExportJob>(client.POST("/api/v1/exports", { body: { kind, format, filters } })),
  job: (exportId: string) => call<ExportJob>(client.GET("/api/v1/exports/{export_id}", { params: path(exportId) })),
  retry: (exportId: string) => call<ExportJob>(client.POST("/api/v1/exports/{export_id}/retry", { params: path(exportId) })),
  file: (exportId: string) =>
    call<Blob>(client.GET("/api/v1/exports/{export_id}/download", { params: path(exportId), parseAs: "blob" })),
};
