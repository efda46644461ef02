package dev.kscope.traffic.dissect.kafka;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Malformed;

import java.util.Base64;

/**
 * Kafka's primitive types over the held bytes of one frame, in place; running past them is Malformed.
 * {@code flexible} picks the compact encodings (varint lengths, tagged fields) of flexible versions.
 */
final class KafkaReader {
    private final ByteCumulator in;
    private final int end;
    private final boolean flexible;
    int pos;

    KafkaReader(ByteCumulator in, int pos, int end, boolean flexible) {
        this.in = in;
        this.pos = pos;
        this.end = end;
        this.flexible = flexible;
    }

    /** The rest of the frame read with the body's encoding (a request header is read before its API is known). */
    KafkaReader flexible(boolean flex) {
        return new KafkaReader(in, pos, end, flex);
    }

    private void need(int n) {
        if (n < 0 || n > end - pos) throw new Malformed("field runs past the frame"); // no pos + n: it can overflow
    }

    int i8() {
        need(1);
        return (byte) in.get(pos++);
    }

    int i16() {
        need(2);
        int v = (short) in.u16(pos);
        pos += 2;
        return v;
    }

    int i32() {
        need(4);
        int v = in.i32(pos);
        pos += 4;
        return v;
    }

    long i64() {
        return ((long) i32() << 32) | (i32() & 0xFFFFFFFFL);
    }

    long uvarint() {
        long v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = i8() & 0xFF;
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new Malformed("varint too long");
    }

    void skip(int n) {
        need(n);
        pos += n;
    }

    /** A classic (int16-length) string, whatever the version: request headers' client id is never compact. */
    String headerString() {
        return text(i16());
    }

    String string() {
        var s = nullableString();
        return s == null ? "" : s;
    }

    String nullableString() {
        return text(flexible ? (int) uvarint() - 1 : i16());
    }

    private String text(int len) {
        if (len < 0) return null;
        need(len);
        var s = in.utf8(pos, pos + len);
        pos += len;
        return s;
    }

    /** A topic id, spelled as Kafka's tools print it (URL-safe base64, e.g. {@code kafka-topics.sh --describe}). */
    String uuid() {
        need(16);
        var b = new byte[16];
        in.copyTo(pos, b, 0, 16);
        pos += 16;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Length of an array (0 for a null one). */
    int arrayLength() {
        int n = flexible ? (int) uvarint() - 1 : i32();
        if (n > 100_000) throw new Malformed("array of " + n);
        return Math.max(n, 0);
    }

    void skipInt32Array() {
        int n = arrayLength();
        skip(n * 4);
    }

    /** Length of a bytes/records field (-1: null). */
    int bytesLength() {
        int n = flexible ? (int) uvarint() - 1 : i32();
        if (n < -1) throw new Malformed("bytes length " + n);
        return n;
    }

    /** Skips the tagged fields that end every struct of a flexible version (nothing in others). */
    void tags() {
        if (!flexible) return;
        int n = (int) uvarint();
        for (int i = 0; i < n; i++) {
            uvarint();
            skip((int) uvarint());
        }
    }

    /**
     * Counts the records of a records field of {@code len} bytes into {@code f}, from its batch headers (so
     * compressed batches count too); the batches before the parse window's end count if the field runs past it.
     */
    void records(int len, KafkaFrame f) {
        if (len < 0) throw new Malformed("records length " + len);
        f.recordBytes += len;
        int at = pos, stop = len > end - pos ? end : pos + len;
        long fieldEnd = (long) pos + len;
        // Batch: baseOffset(8) batchLength(4) then batchLength bytes: partitionLeaderEpoch(4) magic(1) crc(4)
        // attributes(2) lastOffsetDelta(4) baseTimestamp(8) maxTimestamp(8) producerId(8) producerEpoch(2)
        // baseSequence(4) recordCount(4). Magic 0/1 message sets: offset(8) size(4) crc(4) magic(1) attributes(1).
        while (stop - at >= 18) {
            int batchLength = in.i32(at + 8);
            if (batchLength < 6 || batchLength > fieldEnd - at - 12) break; // a fetch may end with a partial batch
            int magic = in.get(at + 16);
            if (magic == 2) {
                if (batchLength < 49 || stop - at < 61) break;
                f.records += Integer.toUnsignedLong(in.i32(at + 57));
                f.compression(in.u16(at + 21) & 7);
            } else if (magic < 2) {
                f.records++;
                f.compression(in.get(at + 17) & 7);
            }
            at += 12 + batchLength;
        }
        skip(len);
    }
}
