#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/: small valid and almost-valid inputs
built byte by byte from the RFCs, so that fuzzing starts inside the formats. Run it again
after changing it; the files are committed."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def rtp(pt, seq, ts, ssrc, payload, marker=False, csrcs=(), ext=None, padding=0):
    b0 = 0x80 | (0x20 if padding else 0) | (0x10 if ext is not None else 0) | len(csrcs)
    out = struct.pack("!BBHII", b0, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
    out += b"".join(struct.pack("!I", c) for c in csrcs)
    if ext is not None:
        profile, data = ext
        out += struct.pack("!HH", profile, len(data) // 4) + data
    out += payload
    if padding:
        out += b"\0" * (padding - 1) + bytes([padding])
    return out


def sr(ssrc, blocks=0):
    body = struct.pack("!IIIIII", ssrc, 0xE8E0_0000, 0x1000_0000, 123456, 50, 6000)
    body += b"".join(struct.pack("!IBBHIIII", 0x5678 + i, 10, 0, 3, 70000, 12, 0x12345678, 655) for i in range(blocks))
    return struct.pack("!BBH", 0x80 | blocks, 200, len(body) // 4) + body


def rr(ssrc, blocks=1):
    body = struct.pack("!I", ssrc)
    body += b"".join(struct.pack("!IBBHIIII", 0x5678 + i, 10, 0, 3, 70000, 12, 0, 0) for i in range(blocks))
    return struct.pack("!BBH", 0x80 | blocks, 201, len(body) // 4) + body


def sdes(ssrc, cname):
    chunk = struct.pack("!IBB", ssrc, 1, len(cname)) + cname + b"\0"
    chunk += b"\0" * (-len(chunk) % 4)
    return struct.pack("!BBH", 0x81, 202, len(chunk) // 4) + chunk


def bye(ssrcs, reason=b""):
    body = b"".join(struct.pack("!I", s) for s in ssrcs)
    if reason:
        body += bytes([len(reason)]) + reason
        body += b"\0" * (-len(body) % 4)
    return struct.pack("!BBH", 0x80 | len(ssrcs), 203, len(body) // 4) + body


def pli(sender, media):
    return struct.pack("!BBHII", 0x81, 206, 2, sender, media)


def vp8_payload(first, key=False, picture_id=0x1234, size=40):
    desc = bytes([0x90 if first else 0x80, 0x80]) + struct.pack("!H", 0x8000 | picture_id)
    data = bytearray(size)
    if first:
        data[0] = 0x10 if key else 0x11
        if key:
            data[3:10] = b"\x9d\x01\x2a\x80\x02\x68\x01"
    return desc + bytes(data)


def vp9_payload(b, e, key=False, picture_id=0x1234, size=40, flexible=False, layer=None, ss=False):
    """RFC 9628 4.2: I P L F B E V Z, a 15-bit picture ID; L adds the layer byte (+ TL0PICIDX
    when not flexible); V adds a scalability structure for one 640x360 layer (4.2.1)."""
    b0 = 0x80 | (0 if key else 0x40) | (0x20 if layer is not None else 0) | (0x10 if flexible else 0)
    b0 |= (0x08 if b else 0) | (0x04 if e else 0) | (0x02 if ss else 0)
    desc = bytes([b0]) + struct.pack("!H", 0x8000 | picture_id)
    if layer is not None:
        desc += bytes([layer << 1]) + (b"" if flexible else b"\x05")
    if flexible and not key:
        desc += b"\x02"  # one reference: P_DIFF 1, N 0
    if ss:
        desc += bytes([0x18]) + struct.pack("!HH", 640, 360) + bytes([1, 0x04, 0x01])
    data = bytearray(size)
    if b and key:
        data[0:4] = b"\x82\x49\x83\x42"  # frame marker, profile 0, keyframe, sync code
    return desc + bytes(data)


def nal(kind, body, nri=3):
    return bytes([(nri << 5) | kind]) + body


def stream(packets):
    """tests/fuzz/packet_stream.hpp: [control][length][payload] per packet."""
    out = b""
    for marker, new_ts, step, payload in packets:
        out += bytes([(1 if marker else 0) | (2 if new_ts else 0) | (step << 2), len(payload)]) + payload
    return out


def ipv4_udp(payload, sport=5004, dport=40000):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, bytes([127, 0, 0, 1]),
                     bytes([127, 0, 0, 1]))
    return ip + udp


def pcap(records, magic=0xA1B23C4D, endian="<", linktype=101):
    out = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)
    for i, rec in enumerate(records):
        out += struct.pack(endian + "IIII", 1700000000 + i, 1000 * i, len(rec), len(rec)) + rec
    return out


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    opus = rtp(111, 65535, 0xFFFFFC40, 0xAAAA, b"\xf8" + bytes(range(60)))
    vp8 = rtp(96, 100, 90000, 0xBBBB, vp8_payload(True, key=True), marker=True)
    seeds = {
        "opus": opus,
        "vp8_key": vp8,
        "csrcs": rtp(96, 1, 2, 3, b"\x10\0\0", csrcs=(1, 2, 3)),
        "ext_one_byte": rtp(111, 7, 8, 9, b"\xf8\1\2", ext=(0xBEDE, b"\x10\xff\0\0")),
        "ext_two_byte": rtp(111, 7, 8, 9, b"\xf8\1\2", ext=(0x1000, b"\x01\x02\xaa\xbb")),
        "padding": rtp(96, 5, 6, 7, b"\x10\0\0\0", padding=4),
        "rtcp_sr": sr(0xAAAA) + sdes(0xAAAA, b"teacher@tafel"),
        "stun": struct.pack("!HHI", 0x0001, 0, 0x2112A442) + bytes(12),
        "dtls": bytes([22, 0xFE, 0xFD]) + bytes(10),
    }
    for name, data in seeds.items():
        write("rtp_packet", name, data)

    rtcp = {
        "sr_sdes": sr(0xAAAA) + sdes(0xAAAA, b"teacher@tafel"),
        "sr_blocks": sr(0xAAAA, blocks=2),
        "rr": rr(0xBBBB),
        "bye_reason": sr(1) + bye([1, 2], b"left the lesson"),
        "pli": rr(0xBBBB, 0) + pli(0xBBBB, 0xAAAA),
        "app": struct.pack("!BBHI4s", 0x80, 204, 2, 1, b"tafl"),
        "padded": bytes([0xA0, 201, 0, 2]) + struct.pack("!I", 9) + b"\0\0\0\4",
    }
    for name, data in rtcp.items():
        write("rtcp_packet", name, data)

    frame = lambda key, pid: [(False, True, 1, vp8_payload(True, key, pid)), (False, False, 1, vp8_payload(False, pid)),
                              (True, False, 1, vp8_payload(False, pid))]
    write("vp8_depacketizer", "three_frames", stream(frame(True, 1) + frame(False, 2) + frame(False, 3)))
    write("vp8_depacketizer", "loss_then_key", stream(frame(True, 1) + [(False, True, 3, vp8_payload(False, 2))]
                                                      + frame(False, 3) + frame(True, 4)))
    write("vp8_depacketizer", "no_marker", stream([(False, True, 1, vp8_payload(True, True, 1)),
                                                   (False, True, 1, vp8_payload(True, False, 2)),
                                                   (False, False, 0, vp8_payload(False, 2))]))
    write("vp8_depacketizer", "short_descriptors", stream([(True, True, 1, b"\x90\x80"), (True, True, 1, b"\x90\xf0\x81"),
                                                           (True, True, 1, b"\x10\x00")]))

    # RFC 6716 3.1: TOC config/stereo/code; code 3 with a frame-count byte.
    write("opus_depacketizer", "configs", stream([(True, True, 1, bytes([c << 3]) + b"\1\2\3") for c in range(0, 32, 3)]))
    write("opus_depacketizer", "codes", stream([(True, True, 1, b"\xf9\1"), (True, True, 1, b"\xfa\1\1"),
                                                (True, True, 1, b"\xfb\x03\1\2"), (True, True, 2, b"\x0b\x06\1"),
                                                (True, True, 0, b"\xfb\x00")]))

    vp9_frame = lambda key, pid, **kw: [(False, True, 1, vp9_payload(True, False, key, pid, **kw)),
                                        (True, False, 1, vp9_payload(False, True, key, pid, **kw))]
    write("vp9_depacketizer", "non_flexible", stream(vp9_frame(True, 1, ss=True) + vp9_frame(False, 2) + vp9_frame(False, 3)))
    write("vp9_depacketizer", "flexible", stream(vp9_frame(True, 1, flexible=True) + vp9_frame(False, 2, flexible=True)))
    write("vp9_depacketizer", "spatial_layers",
          stream([(False, True, 1, vp9_payload(True, True, True, 1, layer=0)),
                  (True, False, 1, vp9_payload(True, True, True, 1, layer=1)),
                  (False, True, 1, vp9_payload(True, True, False, 2, layer=0)),
                  (True, False, 3, vp9_payload(True, True, False, 2, layer=1))]))

    sps = nal(7, b"\x42\xc0\x1e\xda\x02\x80\xbf\xe5\xc0\x44")
    pps = nal(8, b"\xce\x3c\x80")
    idr = nal(5, b"\x88\x84" + bytes(30))
    p_slice = nal(1, b"\x9a\x02" + bytes(30), nri=2)
    stap = bytes([0x18]) + b"".join(struct.pack("!H", len(n)) + n for n in (sps, pps))
    fu = lambda n, s_bit, e_bit, part: bytes([(n[0] & 0xE0) | 28, (0x80 if s_bit else 0) | (0x40 if e_bit else 0) | (n[0] & 0x1F)]) + part
    write("h264_depacketizer", "single_nal", stream([(False, True, 1, sps), (False, False, 1, pps), (True, False, 1, idr),
                                                     (True, True, 1, p_slice)]))
    write("h264_depacketizer", "stap_a_fu_a", stream([(False, True, 1, stap), (False, False, 1, fu(idr, True, False, idr[1:16])),
                                                      (True, False, 1, fu(idr, False, True, idr[16:])),
                                                      (True, True, 1, fu(p_slice, True, True, p_slice[1:]))]))
    write("h264_depacketizer", "fu_a_loss", stream([(False, True, 1, stap), (False, False, 1, fu(idr, True, False, idr[1:16])),
                                                    (True, False, 2, fu(idr, False, True, idr[16:])),
                                                    (True, True, 1, p_slice)]))

    recs = [ipv4_udp(opus), ipv4_udp(vp8), ipv4_udp(rtcp["sr_sdes"])]
    write("pcap_reader", "tafel_ns", pcap(recs))
    write("pcap_reader", "usec_big_endian", pcap(recs, magic=0xA1B2C3D4, endian=">"))
    write("pcap_reader", "torn_tail", pcap(recs)[:-7])
    write("pcap_reader", "not_udp", pcap([ipv4_udp(opus)[:9] + b"\x06" + ipv4_udp(opus)[10:], recs[0]]))

    # Janus recordings (janus-gateway record.c): v2 header + "MEET" frames, v1 "MEETECHO" frames.
    info = b'{"t":"v","c":"vp8","s":1700000000000000,"u":1700000000010000}'
    v2 = b"MJR00002" + struct.pack("!H", len(info)) + info
    for i, pkt in enumerate([vp8, rtp(96, 101, 93000, 0xBBBB, vp8_payload(True, False, 2), marker=True)]):
        v2 += b"MEET" + struct.pack("!IH", 33 * i, len(pkt)) + pkt
    write("mjr_reader", "v2_vp8", v2)
    write("mjr_reader", "v2_torn", v2[:-5])
    write("mjr_reader", "v1_audio", b"MEETECHO" + struct.pack("!H", 5) + b"audio" + b"MEETECHO" + struct.pack("!H", len(opus)) + opus)


if __name__ == "__main__":
    main()
