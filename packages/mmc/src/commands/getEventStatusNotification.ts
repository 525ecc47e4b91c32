import { checkUint, getUint16, requireLength, setUint16 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Notification Class Request bits (byte 4 of the CDB) and the class codes of the event header. */
export const NOTIFICATION_CLASS = {
  OPERATIONAL_CHANGE: 1,
  POWER_MANAGEMENT: 2,
  EXTERNAL_REQUEST: 3,
  MEDIA: 4,
  MULTIPLE_HOSTS: 5,
  DEVICE_BUSY: 6,
} as const;

/** Media class event codes (byte 0 bits 3-0 of the media event descriptor). */
export const MEDIA_EVENT = {
  NO_CHANGE: 0,
  EJECT_REQUEST: 1,
  NEW_MEDIA: 2,
  MEDIA_REMOVAL: 3,
  MEDIA_CHANGED: 4,
  BG_FORMAT_COMPLETED: 5,
  BG_FORMAT_RESTARTED: 6,
} as const;

export interface GetEventStatusNotificationOptions {
  /** Classes to ask about, as NOTIFICATION_CLASS codes; default media only. */
  classes?: readonly number[];
  /** Raw Notification Class Request byte (overrides `classes`). */
  classRequest?: number;
  allocationLength?: number;
}

// MMC-6 GET EVENT STATUS NOTIFICATION (4Ah): byte 1 bit 0 Polled (asynchronous mode is not used), byte 4 notification
// class request (bit n = class n), bytes 7-8 allocation length.
export function buildGetEventStatusNotification(options: GetEventStatusNotificationOptions = {}): ScsiCommand {
  const length = checkUint("allocation length", options.allocationLength ?? 8, 16);
  const request =
    options.classRequest ?? (options.classes ?? [NOTIFICATION_CLASS.MEDIA]).reduce((m, c) => m | (1 << c), 0);
  checkUint("notification class request", request, 8);
  return makeCommand(OPCODE.GET_EVENT_STATUS_NOTIFICATION, 10, "in", length, (cdb) => {
    cdb[1] = 0x01;
    cdb[4] = request;
    setUint16(cdb, 7, length);
  });
}

export interface MediaEvent {
  /** MEDIA_EVENT code. */
  event: number;
  mediumPresent: boolean;
  trayOpen: boolean;
  startSlot: number;
  endSlot: number;
}

export interface EventStatus {
  /** No Event Available: the drive has nothing to report for the classes asked. */
  noEventAvailable: boolean;
  /** NOTIFICATION_CLASS code of the event returned. */
  notificationClass: number;
  /** Bit n set: the drive supports class n. */
  supportedClasses: number;
  /** The event descriptor as sent. */
  descriptor: Uint8Array;
  /** Decoded when the event is of the media class. */
  media?: MediaEvent;
}

// MMC-6 Event Status Notification header: bytes 0-1 event data length, byte 2 NEA (7) + notification class (2-0),
// byte 3 supported event classes; media event descriptor: byte 0 event code, byte 1 Media Present (1) Door/Tray
// Open (0), byte 2 start slot, byte 3 end slot.
export function parseEventStatus(data: Uint8Array): EventStatus {
  requireLength("GET EVENT STATUS NOTIFICATION", data, 4, "the event header");
  const end = Math.min(data.length, 2 + getUint16(data, 0));
  const notificationClass = data[2] & 0x07;
  const descriptor = data.slice(4, Math.max(4, end));
  const status: EventStatus = {
    noEventAvailable: (data[2] & 0x80) !== 0,
    notificationClass,
    supportedClasses: data[3],
    descriptor,
  };
  if (!status.noEventAvailable && notificationClass === NOTIFICATION_CLASS.MEDIA && descriptor.length >= 4) {
    status.media = {
      event: descriptor[0] & 0x0f,
      mediumPresent: (descriptor[1] & 0x02) !== 0,
      trayOpen: (descriptor[1] & 0x01) !== 0,
      startSlot: descriptor[2],
      endSlot: descriptor[3],
    };
  }
  return status;
}

/** A GET EVENT STATUS NOTIFICATION answer (what a software recorder returns): a media event, or "no event available"
 * (NEA) when `media` is absent. */
export function encodeEventStatus(supportedClasses: number, media?: MediaEvent): Uint8Array {
  if (media === undefined) {
    const out = new Uint8Array(4);
    setUint16(out, 0, 2);
    out[2] = 0x80;
    out[3] = supportedClasses;
    return out;
  }
  const out = new Uint8Array(8);
  setUint16(out, 0, 6);
  out[2] = NOTIFICATION_CLASS.MEDIA;
  out[3] = supportedClasses;
  out[4] = media.event & 0x0f;
  out[5] = (media.mediumPresent ? 0x02 : 0) | (media.trayOpen ? 0x01 : 0);
  out[6] = media.startSlot;
  out[7] = media.endSlot;
  return out;
}
