/** Files the hub answers (PDFs, CSV) shown or saved in the browser: fetched with the token as blobs. */

/** Save a blob as a download named `filename`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser time to start the download before the URL goes.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A PDF blob as an object URL of type application/pdf (the browser's viewer shows and prints it). */
export function pdfUrl(blob: Blob): string {
  return URL.createObjectURL(blob.type === "application/pdf" ? blob : new Blob([blob], { type: "application/pdf" }));
}
