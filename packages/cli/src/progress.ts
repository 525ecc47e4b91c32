// Progress display: a redrawn bar on a terminal, plain lines otherwise.
import type { Progress } from "@discburn/fsimage";

const MiB = 1024 * 1024;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

export interface ProgressDisplay {
  update(p: Progress): void;
  done(): void;
}

/** A display writing to `out` (normally stderr): a bar when it is a TTY, a line per 10% otherwise. */
export function createProgressDisplay(out: NodeJS.WriteStream, now: () => number = Date.now): ProgressDisplay {
  const start = now();
  let lastDraw = 0;
  let lastDecile = -1;
  let drawn = false;
  const tty = out.isTTY === true;
  const line = (p: Progress): string => {
    const frac = p.totalSectors > 0 ? p.sectorsWritten / p.totalSectors : 1;
    const elapsed = (now() - start) / 1000;
    const mib = (p.sectorsWritten * 2048) / MiB;
    const rate = elapsed > 0 ? mib / elapsed : 0;
    const eta = rate > 0 ? ((p.totalSectors * 2048) / MiB - mib) / rate : Number.NaN;
    return `${(frac * 100).toFixed(1).padStart(5)}% ${mib.toFixed(0)}/${((p.totalSectors * 2048) / MiB).toFixed(0)} MiB ${rate.toFixed(1)} MiB/s ETA ${duration(eta)}`;
  };
  return {
    update(p) {
      if (tty) {
        const t = now();
        if (t - lastDraw < 100 && p.sectorsWritten < p.totalSectors) return;
        lastDraw = t;
        const width = 24;
        const frac = p.totalSectors > 0 ? p.sectorsWritten / p.totalSectors : 1;
        const filled = Math.round(frac * width);
        const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
        const columns = out.columns ?? 100;
        let text = `${bar} ${line(p)}`;
        if (p.currentFile) {
          const room = columns - text.length - 2;
          if (room > 10)
            text += ` ${p.currentFile.length > room ? `…${p.currentFile.slice(-(room - 1))}` : p.currentFile}`;
        }
        out.write(`\r\x1b[2K${text.slice(0, columns - 1)}`);
        drawn = true;
      } else {
        const decile = p.totalSectors > 0 ? Math.floor((p.sectorsWritten / p.totalSectors) * 10) : 10;
        if (decile === lastDecile) return;
        lastDecile = decile;
        out.write(`${line(p)}\n`);
      }
    },
    done() {
      if (tty && drawn) out.write("\r\x1b[2K");
    },
  };
}
