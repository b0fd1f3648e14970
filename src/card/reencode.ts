// Makes an image fit a network's byte limit: the PNG as it is when small enough, otherwise JPEG at falling
// quality, then at a smaller size. Skia loads lazily, like the card renderer.
export interface EncodedImage {
  bytes: Buffer;
  mimeType: "image/png" | "image/jpeg";
}

export async function reencodeUnder(png: Buffer, maxBytes: number): Promise<EncodedImage> {
  if (png.length <= maxBytes) return { bytes: png, mimeType: "image/png" };
  const { createCanvas, loadImage } = await import("@napi-rs/canvas");
  const image = await loadImage(png);
  for (const scale of [1, 0.75, 0.5, 0.25]) {
    const canvas = createCanvas(
      Math.max(1, Math.round(image.width * scale)),
      Math.max(1, Math.round(image.height * scale)),
    );
    canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
    for (const quality of [90, 80, 65, 50]) {
      const jpeg = await canvas.encode("jpeg", quality);
      if (jpeg.length <= maxBytes) return { bytes: jpeg, mimeType: "image/jpeg" };
    }
  }
  throw new Error(`the image cannot be brought under ${maxBytes} bytes`);
}
