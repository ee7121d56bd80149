import { Transform, type TransformCallback } from 'node:stream';
import type { LogLine } from '@tessera/contracts';

/** The longest line passed on, in bytes of UTF-8; the rest of a longer line is dropped. */
export const LOG_LINE_MAX_BYTES = 8 * 1024;
/** Lines a LogLines stream holds for a reader that has not taken them yet, before it stops reading the engine. */
const READABLE_LINES = 64;
/** Bytes from the engine it holds, not yet made into lines, before it asks the engine's socket to pause. */
const WRITABLE_BYTES = 16 * 1024;

type StreamName = LogLine['stream'];

interface PendingLine {
  at: string;
  parts: Buffer[];
  bytes: number;
  truncated: boolean;
}

/**
 * Turns the bytes of an engine's log endpoint (`timestamps=1`) into LogLine
 * objects. Two framings: a container without a TTY sends frames (a byte for
 * the stream, three zeros, the payload's length in four bytes, the payload);
 * one with a TTY sends the raw bytes. Each frame is one message: a line, or a
 * piece of a long line (Docker cuts lines at 16 KiB) that the next frames of
 * the same stream continue.
 *
 * Memory is bounded whatever the engine sends: a frame's payload is kept up
 * to the line cap (the rest is counted and dropped), a line past the cap is
 * cut and marked `truncated`, and at most READABLE_LINES lines wait for the
 * reader; beyond that the transform stops taking bytes, so the engine's
 * socket is paused (backpressure) until the reader catches up.
 */
export class LogLines extends Transform {
  private header = Buffer.alloc(0);
  /** The frame being read: its stream, the bytes of its payload still to come, what was kept of it. */
  private frame: { stream: StreamName; remaining: number; kept: Buffer[]; keptBytes: number; dropped: boolean; lastByte: number } | null = null;
  private readonly partial: Record<StreamName, PendingLine | null> = { stdout: null, stderr: null };
  /** Raw (TTY) mode: the bytes of the line being read, up to the cap. */
  private raw: { parts: Buffer[]; bytes: number; dropped: boolean } = { parts: [], bytes: 0, dropped: false };

  constructor(
    private readonly multiplexed: boolean,
    private readonly maxLineBytes = LOG_LINE_MAX_BYTES,
  ) {
    super({ readableObjectMode: true, readableHighWaterMark: READABLE_LINES, writableHighWaterMark: WRITABLE_BYTES });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      if (this.multiplexed) this.frames(chunk);
      else this.rawBytes(chunk);
      done();
    } catch (error: unknown) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    for (const stream of ['stdout', 'stderr'] as const) this.finishPartial(stream);
    if (!this.multiplexed && this.raw.bytes > 0) this.rawLine();
    done();
  }

  private frames(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (!this.frame) {
        const needed = 8 - this.header.length;
        this.header = Buffer.concat([this.header, chunk.subarray(at, at + needed)]);
        at += Math.min(needed, chunk.length - at);
        if (this.header.length < 8) return;
        const type = this.header[0];
        const length = this.header.readUInt32BE(4);
        this.header = Buffer.alloc(0);
        this.frame = { stream: type === 2 ? 'stderr' : 'stdout', remaining: length, kept: [], keptBytes: 0, dropped: false, lastByte: -1 };
        if (length === 0) this.endFrame();
        continue;
      }
      const frame = this.frame;
      const piece = chunk.subarray(at, at + frame.remaining);
      at += piece.length;
      frame.remaining -= piece.length;
      if (piece.length > 0) frame.lastByte = piece[piece.length - 1]!;
      // The timestamp and its space come first: keep a little more than a line.
      const room = Math.max(0, this.maxLineBytes + 64 - frame.keptBytes);
      if (piece.length > room) frame.dropped = true;
      if (room > 0) {
        const kept = piece.subarray(0, room);
        frame.kept.push(kept);
        frame.keptBytes += kept.length;
      }
      if (frame.remaining === 0) this.endFrame();
    }
  }

  /** A whole frame: its timestamp, then a line or a piece of one. */
  private endFrame(): void {
    const frame = this.frame!;
    this.frame = null;
    const payload = Buffer.concat(frame.kept, frame.keptBytes);
    const cut = frame.dropped;
    const space = payload.indexOf(0x20);
    const stamp = space > 0 && space < 40 ? payload.subarray(0, space).toString('latin1') : '';
    let content = stamp ? payload.subarray(space + 1) : payload;
    // A frame may hold several lines (engines that batch): each but the last ends here.
    let newline = content.indexOf(0x0a);
    while (newline !== -1) {
      this.appendPartial(frame.stream, stamp, content.subarray(0, newline), false);
      this.finishPartial(frame.stream);
      content = content.subarray(newline + 1);
      newline = content.indexOf(0x0a);
    }
    if (content.length > 0 || cut) this.appendPartial(frame.stream, stamp, content, cut);
    // The message's own end: Docker ends every whole line with a newline, so a frame that was cut ends its line when its last byte was one.
    if (cut && frame.lastByte === 0x0a) this.finishPartial(frame.stream);
  }

  private appendPartial(stream: StreamName, stamp: string, content: Buffer, cut: boolean): void {
    const partial = (this.partial[stream] ??= { at: stamp, parts: [], bytes: 0, truncated: false });
    const room = this.maxLineBytes - partial.bytes;
    if (content.length > room) partial.truncated = true;
    if (room > 0) {
      const kept = content.subarray(0, room);
      partial.parts.push(kept);
      partial.bytes += kept.length;
    }
    if (cut) partial.truncated = true;
  }

  private finishPartial(stream: StreamName): void {
    const partial = this.partial[stream];
    if (!partial) return;
    this.partial[stream] = null;
    this.emitLine(partial.at, stream, Buffer.concat(partial.parts, partial.bytes), partial.truncated);
  }

  private rawBytes(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const newline = chunk.indexOf(0x0a, at);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(at, end);
      const room = Math.max(0, this.maxLineBytes + 64 - this.raw.bytes);
      if (piece.length > room) this.raw.dropped = true;
      if (room > 0) {
        const kept = piece.subarray(0, room);
        this.raw.parts.push(kept);
        this.raw.bytes += kept.length;
      }
      if (newline === -1) return;
      this.rawLine();
      at = newline + 1;
    }
  }

  private rawLine(): void {
    const line = Buffer.concat(this.raw.parts, this.raw.bytes);
    const dropped = this.raw.dropped;
    this.raw = { parts: [], bytes: 0, dropped: false };
    const space = line.indexOf(0x20);
    const stamp = space > 0 && space < 40 ? line.subarray(0, space).toString('latin1') : '';
    const content = stamp ? line.subarray(space + 1) : line;
    this.emitLine(stamp, 'stdout', content.subarray(0, this.maxLineBytes), dropped || content.length > this.maxLineBytes);
  }

  private emitLine(at: string, stream: StreamName, bytes: Buffer, truncated: boolean): void {
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const line: LogLine = { at, stream, text };
    if (truncated) line.truncated = true;
    this.push(line);
  }
}
