// A small multipart/form-data parser: enough for the media APPEND call (a few fields and one
// binary part). Returns null on anything malformed so the caller answers 400.

export interface FormPart {
  value: Buffer;
  filename?: string;
  contentType?: string;
}

export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return null;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

export function parseMultipart(body: Buffer, boundary: string): Map<string, FormPart> | null {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = new Map<string, FormPart>();
  let pos = body.indexOf(delimiter);
  if (pos !== 0) return null;
  for (;;) {
    pos += delimiter.length;
    // "--" right after a delimiter closes the body.
    if (body.subarray(pos, pos + 2).toString() === "--") return parts;
    if (body.subarray(pos, pos + 2).toString() !== "\r\n") return null;
    pos += 2;
    const headerEnd = body.indexOf("\r\n\r\n", pos);
    if (headerEnd < 0) return null;
    const headers = body.subarray(pos, headerEnd).toString("utf8").split("\r\n");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) return null;
    const value = body.subarray(headerEnd + 4, next);

    let name: string | undefined;
    const part: FormPart = { value };
    for (const line of headers) {
      const [key, ...rest] = line.split(":");
      const headerValue = rest.join(":").trim();
      if (key?.trim().toLowerCase() === "content-disposition") {
        name = /\bname="([^"]*)"/i.exec(headerValue)?.[1];
        const filename = /\bfilename="([^"]*)"/i.exec(headerValue)?.[1];
        if (filename !== undefined) part.filename = filename;
      } else if (key?.trim().toLowerCase() === "content-type") {
        part.contentType = headerValue;
      }
    }
    if (name === undefined) return null;
    parts.set(name, part);
    pos = next + 2; // now at the delimiter
  }
}
