/** The Export menu of a report tab: the report of the URL (/reports/<kind>) over the page's range and grouping. */
import { useParams } from "react-router";

import { ExportMenu } from "../exports/ExportMenu";
import { KINDS, type ReportFilter, type ReportKind } from "./api";
import { reportExportFilters } from "./exportFilters";

export function ReportExportMenu({ filter, answered }: { filter: ReportFilter; answered?: { first_day: string; last_day: string } }) {
  const { kind } = useParams();
  if (!kind || !(KINDS as readonly string[]).includes(kind)) return null;
  const report = kind as ReportKind;
  return <ExportMenu kind={`report_${report}`} filters={reportExportFilters(report, filter, answered)} />;
}
