// macOS and the BSDs: no transport yet (macOS needs IOKit's SCSITaskUserClient and exclusive access; the BSDs
// CAM's pass(4) devices). Image building works everywhere Node runs; only talking to drives is refused here.
import { DeviceError } from "./transport.js";

export const UNSUPPORTED_PLATFORM_MESSAGE =
  "burning on macOS/BSD is not supported yet; image building works everywhere";

/** The error every drive operation gives on a platform without a transport. */
export function unsupportedPlatform(device: string, platform: string = process.platform): DeviceError {
  return new DeviceError(
    "unsupported-platform",
    device,
    `${device}: ${UNSUPPORTED_PLATFORM_MESSAGE} (this is ${platform}; drives work on Linux and Windows)`,
  );
}
