// Real exchanges with tgt 1.0.85 emulating a DVD+R recorder (see ../shared/mmc/tgt.md), copied byte for byte from
// /work/shared/mmc/transcripts/: the CDB a burner sent and the data tgt returned (as many bytes as the trace shows).
import { fromHex } from "../src/index.js";

export interface Exchange {
  /** Transcript file and what was going on. */
  source: string;
  cdb: Uint8Array;
  data: Uint8Array;
}

function x(source: string, cdb: string, data = ""): Exchange {
  return { source, cdb: fromHex(cdb), data: fromHex(data) };
}

export const INQUIRY = x(
  "growisofs-Z.sgtrace.txt (every burner)",
  "12 00 00 00 24 00",
  "05 80 05 12 3d 00 00 02 53 54 47 54 5f 44 56 44 44 56 44 2b 52 20 20 20 20 20 20 20 20 20 20 20 30 30 38 35",
);

/** Blank DVD+R, RT=1 (current features only): complete, 92 bytes of the 512 asked. */
export const GET_CONFIGURATION_CURRENT_BLANK = x(
  "probe-mmc.txt phase 1",
  "46 01 00 00 00 00 00 02 00 00",
  "00 00 00 58 00 00 00 1b 00 00 03 08 00 10 00 00 00 1b 01 00 00 01 03 04 00 00 00 02 00 02 03 04 " +
    "00 00 00 00 00 03 03 04 29 00 00 00 00 1d 00 00 00 2b 01 04 01 00 00 00 01 00 03 00 01 05 03 00 " +
    "01 08 03 08 00 00 00 00 00 00 00 00 01 0a 01 0c 46 44 43 00 53 44 43 00 54 4f 43 00",
);

/** Blank DVD+R, RT=0: the trace shows the first 96 of the 116 bytes (data length 70h). */
export const GET_CONFIGURATION_ALL_BLANK_PREFIX = x(
  "probe-mmc.txt phase 1",
  "46 00 00 00 00 00 00 02 00 00",
  "00 00 00 70 00 00 00 1b 00 00 03 08 00 10 00 00 00 1b 01 00 00 01 03 04 00 00 00 02 00 02 03 04 " +
    "00 00 00 00 00 03 03 04 29 00 00 00 00 10 00 08 00 00 08 00 00 10 01 00 00 1d 00 00 00 1f 00 00 " +
    "00 2b 01 04 01 00 00 00 01 00 03 00 01 05 03 00 01 07 0c 04 1f 00 00 00 01 08 03 08 00 00 00 00",
);

/** After the burn (DVD-ROM), RT=0 with allocation length 74h: the trace shows the first 96 bytes. */
export const GET_CONFIGURATION_ALL_WRITTEN_PREFIX = x(
  "cdrskin-s1.sgtrace.txt after CLOSE TRACK/SESSION",
  "46 00 00 00 00 00 00 00 74 00",
  "00 00 00 70 00 00 00 10 00 00 03 08 00 10 01 00 00 1b 00 00 00 01 03 04 00 00 00 02 00 02 03 04 " +
    "00 00 00 00 00 03 03 04 29 00 00 00 00 10 01 08 00 00 08 00 00 10 01 00 00 1d 00 00 00 1f 01 00 " +
    "00 2b 00 04 01 00 00 00 01 00 03 00 01 05 03 00 01 07 0d 04 1f 00 00 00 01 08 03 08 00 00 00 00",
);

export const GET_CONFIGURATION_ONE_FEATURE = x(
  "probe-mmc.txt phase 1 (RT=2, starting feature 002Bh)",
  "46 02 00 2b 00 00 00 00 40 00",
  "00 00 00 0c 00 00 00 1b 00 2b 01 04 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 " +
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
);

export const GET_CONFIGURATION_HEADER = x(
  "xorriso-s1.sgtrace.txt",
  "46 00 00 00 00 00 00 00 08 00",
  "00 00 00 70 00 00 00 1b",
);

export const READ_DISC_INFORMATION_BLANK = x(
  "cdrskin-s1.sgtrace.txt before writing",
  "51 00 00 00 00 00 00 00 22 00",
  "00 20 00 01 01 01 01 10 00 00 00 00 00 00 00 00 00 00 00 00 00 23 05 40 00 00 00 00 00 00 00 00 00 00",
);

export const READ_DISC_INFORMATION_COMPLETE = x(
  "cdrskin-s1.sgtrace.txt after CLOSE TRACK/SESSION",
  "51 00 00 00 00 00 00 00 22 00",
  "00 20 0e 01 01 01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
);

export const READ_DISC_INFORMATION_HEADER = x(
  "wodim-s1.sgtrace.txt",
  "51 00 00 00 00 00 00 00 08 00",
  "00 20 00 01 01 01 01 10",
);

export const READ_TRACK_INFORMATION_BLANK = x(
  "probe-mmc.txt phase 1 (by track number 1)",
  "52 01 00 00 00 01 00 00 28 00",
  "00 26 01 01 00 07 41 01 00 00 00 00 00 00 00 00 00 23 05 40 00 00 00 10 00 23 05 40 00 00 00 00 " +
    "00 00 00 00 00 04 0d 0e",
);

export const READ_TRACK_INFORMATION_BY_LBA_BLANK = x(
  "wodim-s1.sgtrace.txt (by LBA 0, 28 bytes asked)",
  "52 00 00 00 00 00 00 00 1c 00",
  "00 26 01 01 00 07 41 01 00 00 00 00 00 00 00 00 00 23 05 40 00 00 00 10 00 23 05 40",
);

export const READ_TRACK_INFORMATION_INVISIBLE_SHORT = x(
  "xorriso-s1.sgtrace.txt (track FFh, 20 bytes asked)",
  "52 01 00 00 00 ff 00 00 14 00",
  "00 26 01 01 00 07 41 01 00 00 00 00 00 00 00 00 00 23 05 40",
);

export const READ_TRACK_INFORMATION_CLOSED = x(
  "probe-mmc.txt phase 3 (after CLOSE TRACK, 116 blocks written)",
  "52 01 00 00 00 01 00 00 28 00",
  "00 22 01 01 00 04 01 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 10 00 00 00 74 00 00 00 73 " +
    "00 00 00 00 00 00 00 00",
);

/** DVD-ROM of 1664 blocks: tgt sends 18 of the 20 bytes (the lead-out address's low 16 bits are lost). */
export const READ_TOC_FORMATTED = x(
  "probe-mmc.txt phase 0",
  "43 00 00 00 00 00 00 00 14 00",
  "00 12 01 01 00 14 01 00 00 00 00 00 00 14 aa 00 00 00",
);

export const READ_TOC_FORMATTED_MSF = x(
  "probe-mmc.txt phase 0 (MSF)",
  "43 02 00 00 00 00 00 00 14 00",
  "00 12 01 01 00 14 01 00 00 00 02 00 00 14 aa 00 00 ff",
);

export const READ_TOC_MULTISESSION = x(
  "probe-mmc.txt phase 1 (format 1)",
  "43 00 01 00 00 00 00 00 0c 00",
  "00 0a 01 01 00 14 01 00 00 00",
);

export const READ_TOC_HEADER = x("cdrskin-s1.sgtrace.txt", "43 00 00 00 00 00 00 00 04 00", "00 12 01 01");

export const READ_CAPACITY_WRITTEN = x(
  "cdrskin-s1.sgtrace.txt",
  "25 00 00 00 00 00 00 00 00 00",
  "00 00 06 7f 00 00 08 00",
);
export const READ_CAPACITY_BLANK = x(
  "probe-mmc.txt phase 1",
  "25 00 00 00 00 00 00 00 00 00",
  "00 00 00 00 00 00 08 00",
);

export const MODE_SENSE_CAPABILITIES = x(
  "wodim-s1.sgtrace.txt / cdrskin-s1.sgtrace.txt",
  "5a 00 2a 00 00 00 00 00 48 00",
  "00 46 00 00 00 00 00 00 2a 3e 3f 37 f3 f3 29 23 10 8a 01 00 08 00 10 8a 00 00 10 8a 10 8a 00 01 " +
    "00 00 00 00 10 8a 00 05 00 00 10 8a 00 00 0b 06 00 00 08 45 00 00 05 83 00 00 02 c2 00 00 00 00 " +
    "00 00 00 00 00 00 00 00",
);

export const MODE_SENSE_CAPABILITIES_SHORT = x(
  "cdrskin-s1.sgtrace.txt (30 bytes asked)",
  "5a 00 2a 00 00 00 00 00 1e 00",
  "00 46 00 00 00 00 00 00 2a 3e 3f 37 f3 f3 29 23 10 8a 01 00 08 00 10 8a 00 00 10 8a 10 8a",
);

export const MODE_SENSE_WRITE_PARAMETERS = x(
  "wodim-s1.sgtrace.txt",
  "5a 00 05 00 00 00 00 00 3c 00",
  "00 3a 00 00 00 00 00 00 05 32 62 05 08 10 00 00 00 00 00 00 00 10 00 96 00 00 00 00 00 00 00 00 " +
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
);

export const MODE_SENSE_ALL_PAGES_SHORT = x(
  "wodim-s1.sgtrace.txt (page 3Fh, 16 bytes asked)",
  "5a 00 3f 00 00 00 00 00 10 00",
  "00 ec 00 00 00 00 00 00 00 00 01 0a 00 08 00 00",
);

export const MODE_SENSE_ERROR_RECOVERY = x(
  "cdrskin-s1.sgtrace.txt (12 bytes asked)",
  "5a 00 01 00 00 00 00 00 0c 00",
  "00 12 00 00 00 00 00 00 01 0a 00 08",
);

export const GET_PERFORMANCE_WRITE_SPEED_BLANK = x(
  "cdrskin-s1.sgtrace.txt",
  "ac 00 00 00 00 00 00 00 00 01 03 00",
  "00 00 00 14 00 00 00 00 01 00 00 00 00 23 05 3f 00 00 0c fc 00 00 0c fc",
);

export const GET_PERFORMANCE_WRITE_SPEED_WRITTEN = x(
  "cdrskin-s1.sgtrace.txt after the burn",
  "ac 00 00 00 00 00 00 00 00 02 03 00",
  "00 00 00 24 00 00 00 00 00 00 00 00 00 25 99 99 00 00 0a d2 00 00 0a d2 00 00 00 00 00 25 99 99 " +
    "00 00 05 69 00 00 05 69",
);

export const GET_PERFORMANCE_READ = x(
  "cdrskin-s1.sgtrace.txt",
  "ac 10 00 00 00 00 00 00 00 01 00 00",
  "00 00 00 14 00 00 00 00 00 00 00 00 00 00 15 a4 00 23 05 3f 00 00 15 a4",
);

export const GET_PERFORMANCE_HEADER = x(
  "cdrskin-s1.sgtrace.txt",
  "ac 00 00 00 00 00 00 00 00 00 03 00",
  "00 00 00 14 00 00 00 00",
);

export const READ_BUFFER_CAPACITY = x(
  "growisofs-Z.sgtrace.txt",
  "5c 00 00 00 00 00 00 00 0c 00",
  "00 0a 00 00 00 80 00 00 00 40 00 00",
);

/** CDBs the burners sent that carry no data (or whose data the trace does not show). */
export const SENT = {
  testUnitReady: "00 00 00 00 00 00",
  preventRemoval: "1e 00 00 00 01 00",
  allowRemoval: "1e 00 00 00 00 00",
  startUnit: "1b 00 00 00 01 00",
  startUnitImmediate: "1b 01 00 00 01 00",
  stopUnitImmediate: "1b 01 00 00 00 00",
  load: "1b 00 00 00 03 00",
  loadImmediate: "1b 01 00 00 03 00",
  eject: "1b 00 00 00 02 00",
  ejectImmediate: "1b 01 00 00 02 00",
  syncCache: "35 00 00 00 00 00 00 00 00 00",
  syncCacheImmediate: "35 02 00 00 00 00 00 00 00 00",
  closeTrack1Immediate: "5b 01 01 00 00 01 00 00 00 00",
  closeSessionImmediate: "5b 01 02 00 00 00 00 00 00 00",
  closeTrack1: "5b 00 01 00 00 01 00 00 00 00",
  finalizeDvdPlusR: "5b 00 06 00 00 00 00 00 00 00",
  reserveTrack1664: "53 00 00 00 00 00 00 06 80 00",
  reserveTrack1649: "53 00 00 00 00 00 00 06 71 00",
  modeSelect60: "55 10 00 00 00 00 00 00 3c 00",
  modeSelect16: "55 10 00 00 00 00 00 00 10 00",
  setStreaming: "b6 00 00 00 00 00 00 00 00 00 1c 00",
  setCdSpeed: "bb 00 10 8a 10 98 00 00 00 00 00 00",
  setCdSpeedMax: "bb 00 ff ff ff ff 00 00 00 00 00 00",
  gesnAllClasses: "4a 01 00 00 ff 00 00 00 08 00",
  gesnMedia: "4a 01 00 00 10 00 00 00 08 00",
  blankMinimalImmediate: "a1 11 00 00 00 00 00 00 00 00 00 00",
  formatUnitNoData: "04 00 00 00 00 00",
  readFormatCapacities: "23 00 00 00 00 00 00 00 fc 00",
  mechanismStatus: "bd 00 00 00 00 00 00 00 00 08 00 00",
  read10At16: "28 00 00 00 00 10 00 00 01 00",
  read10Sixteen: "28 00 00 00 00 00 00 00 10 00",
  write10At100: "2a 00 00 00 00 64 00 00 10 00",
  write10Overburn: "2a 00 00 23 05 4a 00 00 01 00",
  write12At16: "aa 00 00 00 00 10 00 00 00 10 00 00",
  modeSenseDbdCapabilities: "5a 08 2a 00 00 00 00 00 50 00",
  modeSenseDbdWriteParameters: "5a 08 05 00 00 00 00 00 40 00",
  modeSenseHeaderOnly: "5a 00 2a 00 00 00 00 00 02 00",
  modeSenseAllDefault: "5a 00 bf 00 00 00 00 00 10 00",
  readTocRawSession1Msf: "43 02 02 00 00 00 01 00 40 00",
  readTocAtipMsf: "43 02 04 00 00 00 00 00 40 00",
  readTrackInfoSession1: "52 02 00 00 00 01 00 00 28 00",
  getPerformanceWriteSpeeds2: "ac 00 00 00 00 00 00 00 00 02 03 00",
  getPerformanceReadHeader: "ac 10 00 00 00 00 00 00 00 00 00 00",
} as const;
