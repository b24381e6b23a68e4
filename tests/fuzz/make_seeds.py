#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz targets whose inputs are protocol text
(HTTP heads, WebSocket frames, config files) or small PDFs. Run from anywhere; it writes into
tests/fuzz/corpus/<target>/seed_*. The committed corpora are these seeds plus what libFuzzer
found and `-merge=1` kept (scripts/fuzz.sh)."""

import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PORTAL = "https://portal.example.com"
HOST = "127.0.0.1:16116"  # the harnesses put the real port in place of 16116


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, "seed_" + name), "wb") as f:
        f.write(data)


def head(method, target, headers, body=""):
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers]
    return "\r\n".join(lines) + "\r\n\r\n" + body


RPC = '{"jsonrpc":"2.0","id":1,"method":"probe.params","params":{"token":"t1","pin":"1234"}}'


def http_requests():
    json_headers = [("Host", HOST), ("Origin", PORTAL), ("Content-Type", "application/json")]
    return {
        "rpc_post": head("POST", "/rpc", json_headers + [("Content-Length", str(len(RPC)))], RPC),
        "rpc_no_origin": head("POST", "/rpc", [("Host", HOST), ("Content-Type", "application/json"),
                                              ("Content-Length", "2")], "{}"),
        "rpc_chunked": head("POST", "/rpc", json_headers + [("Transfer-Encoding", "chunked")],
                            "5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n"),
        "rpc_smuggle": head("POST", "/rpc", json_headers + [("Content-Length", "4"),
                                                            ("Transfer-Encoding", "chunked")],
                            "0\r\n\r\n"),
        "rpc_dup_length": head("POST", "/rpc", json_headers + [("Content-Length", "2"),
                                                               ("Content-Length", "3")], "{}"),
        "rpc_text_plain": head("POST", "/rpc", [("Host", HOST), ("Origin", PORTAL),
                                               ("Content-Type", "text/plain"),
                                               ("Content-Length", "2")], "{}"),
        "rpc_expect": head("POST", "/rpc", json_headers + [("Content-Length", "2"),
                                                           ("Expect", "100-continue")], "{}"),
        "rpc_too_big": head("POST", "/rpc", json_headers + [("Content-Length", "99999999")]),
        "rpc_pipelined": head("POST", "/rpc", json_headers + [("Content-Length", str(len(RPC)))], RPC)
        + head("GET", "/app.js", [("Host", HOST)]),
        "preflight": head("OPTIONS", "/rpc", [("Host", HOST), ("Origin", PORTAL),
                                             ("Access-Control-Request-Method", "POST"),
                                             ("Access-Control-Request-Headers", "content-type, accept"),
                                             ("Access-Control-Request-Private-Network", "true")]),
        "preflight_evil": head("OPTIONS", "/rpc", [("Host", HOST),
                                                  ("Origin", "https://portal.example.com.evil.com"),
                                                  ("Access-Control-Request-Method", "POST")]),
        "origin_null": head("POST", "/rpc", [("Host", HOST), ("Origin", "null"),
                                            ("Content-Type", "application/json"),
                                            ("Content-Length", "2")], "{}"),
        "host_evil": head("GET", "/", [("Host", "evil.com:16116")]),
        "host_missing": head("GET", "/", []),
        "absolute_form": head("GET", "http://evil.com/", [("Host", HOST)]),
        "static_index": head("GET", "/", [("Host", HOST)]),
        "static_head": head("HEAD", "/sub/", [("Host", "LOCALHOST:16116")]),
        "static_traversal": head("GET", "/%2e%2e/secret.txt", [("Host", HOST)]),
        "static_query": head("GET", "/app.js?v=1#x", [("Host", "[::1]:16116")]),
        "unknown_method": head("BREW", "/", [("Host", HOST)]),
        "ws_upgrade": head("GET", "/ws", [("Host", HOST), ("Origin", PORTAL), ("Upgrade", "websocket"),
                                         ("Connection", "Upgrade"),
                                         ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                                         ("Sec-WebSocket-Version", "13")]),
        "ws_no_upgrade": head("GET", "/ws", [("Host", HOST), ("Origin", PORTAL),
                                            ("Sec-Fetch-Site", "cross-site")]),
        "doc_upload": head("POST", "/documents", [("Host", HOST), ("Origin", PORTAL),
                                                 ("Content-Type", "application/pdf"),
                                                 ("X-Document-Name", "%E5%90%88%E5%90%8C.pdf"),
                                                 ("Content-Length", "8")], "%PDF-1.7"),
        "doc_get": head("GET", "/documents/0123456789abcdef0123456789abcdef",
                        [("Host", HOST), ("Origin", PORTAL)]),
        "doc_delete": head("DELETE", "/documents/abc", [("Host", HOST), ("Origin", PORTAL)]),
        "doc_preflight": head("OPTIONS", "/documents", [("Host", HOST), ("Origin", PORTAL),
                                                       ("Access-Control-Request-Method", "POST"),
                                                       ("Access-Control-Request-Headers",
                                                        "x-document-name")]),
        "http10": "GET / HTTP/1.0\r\nHost: 127.0.0.1:16116\r\n\r\n",
        "tls_hello": bytes.fromhex("16030100a5010000a10303") + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00",
    }


def ws_frame(opcode, payload, fin=True, mask=b"\x00\x00\x00\x00", rsv=0):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    if n < 126:
        length = bytes([0x80 | n])
    elif n < 65536:
        length = bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        length = bytes([0x80 | 127]) + struct.pack(">Q", n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([first]) + length + mask + masked


def rpc(method, params, id_=1):
    import json
    return json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": params},
                      separators=(",", ":"))


def websocket_frames():
    text = ws_frame(1, rpc("probe.params", {"token": "t1"}))
    return {
        "text_rpc": text,
        "text_rpc_masked": ws_frame(1, rpc("probe.params", {"token": "t1"}), mask=b"\x37\xfa\x21\x3d"),
        "two_requests": text + ws_frame(1, rpc("probe.big", {"bytes": 70000}, 2)),
        "push_flood": ws_frame(1, rpc("probe.push", {"count": 300, "bytes": 4096})),
        "push_then_read": ws_frame(1, rpc("probe.push", {"count": 3, "bytes": 10})) + text,
        "failing_method": ws_frame(1, rpc("probe.fail", {})),
        "batch": ws_frame(1, "[" + rpc("probe.params", {"token": "a"}, 1) + ","
                          + rpc("probe.big", {"bytes": 100}, 2) + "]"),
        "notification": ws_frame(1, '{"jsonrpc":"2.0","method":"probe.params","params":{}}'),
        "binary": ws_frame(2, b"\x00\x01\x02"),
        "fragmented": ws_frame(1, '{"jsonrpc":"2.0",', fin=False)
        + ws_frame(9, "ping") + ws_frame(0, '"id":3,"method":"probe.fail"}'),
        "bad_utf8": ws_frame(1, b'{"x":"\xc3\x28"}'),
        "ping_pong_close": ws_frame(9, "hi") + ws_frame(10, "") + ws_frame(8, struct.pack(">H", 1000) + b"bye"),
        "close_bad_code": ws_frame(8, struct.pack(">H", 999)),
        "too_big_length": bytes([0x81, 0xFF]) + struct.pack(">Q", 1 << 40) + b"\x00\x00\x00\x00",
        "unmasked": bytes([0x81, 0x02]) + b"{}",
        "rsv_bits": ws_frame(1, "{}", rsv=4),
        "continuation_first": ws_frame(0, "{}"),
        "deep_json": ws_frame(1, "[" * 200 + "]" * 200),
    }


CONFIG = open(os.path.join(HERE, "..", "..", "packaging", "config.example.json"), encoding="utf-8").read() \
    if os.path.exists(os.path.join(HERE, "..", "..", "packaging", "config.example.json")) else "{}"


def configs():
    return {
        "example": CONFIG,
        "policy": '{"origin_policy":{"https://a.example":{"consent":"session","pin_from_page":true},'
                  '"https://b.example":{"consent":"none"}},"trusted_signing_roots":["roots.pem"]}',
        "documents": '{"documents":{"max_bytes":1048576,"max_total_bytes":10485760,"ttl_seconds":600}}',
        "comments": '// admin notes\n{"listen":"[::1]:0", /* inline */ "log_level":"debug",'
                    '"consent_dialog":"/opt/x"}',
        "modules_mixed": '{"modules":["/usr/lib/a.so",{"path":"b.so","sm2":{"key_type":3}}]}',
        "bad_types": '{"listen":16116,"allowed_origins":"x","modules":{}}',
        "listen_only": "localhost:16116",
    }


def pdf(objects, root=1):
    """A PDF with a correct xref from a list of object bodies (bytes), numbered from 1."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def stream(data, extra=b"", compress=False):
    if compress:
        data = zlib.compress(data)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def to_unicode_cmap(pairs):
    lines = b"".join(b"<%04X> <%s>\n" % (code, text.encode("utf-16-be").hex().upper().encode())
                     for code, text in pairs)
    return (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            + b"%d beginbfchar\n" % len(pairs) + lines + b"endbfchar\n"
            b"endcmap CMapName currentdict /CMap defineresource pop end end")


def pdfs():
    latin_content = b"BT /F1 12 Tf 72 700 Td (Seal here: ) Tj [(Se) -20 (al)] TJ ET"
    latin = pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        stream(latin_content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ])
    keyword = "\uff08\u76d6\u7ae0\uff09"  # （盖章）
    codes = [(0x10 + i, ch) for i, ch in enumerate("\u7532\u65b9" + keyword)]
    cjk_content = (b"BT /F1 10.5 Tf 1 0 0 1 300 120 Tm <" + b"".join(b"%04X" % c for c, _ in codes)
                   + b"> Tj ET")
    cjk = pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Rotate 90 /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        stream(cjk_content, compress=True),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H"
        b" /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /DW 1000"
        b" /W [16 [500 500] 18 21 1000]"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        stream(to_unicode_cmap(codes)),
    ])
    predefined = pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        stream(b"BT /F1 12 Tf 100 100 Td <FF08 76D6 7AE0 FF09> Tj T* (x) ' ET"),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
        b" /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> >>] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [7 0 R 7 0 R]"
        b" /Resources << /XObject << /X1 8 0 R >> /Font << /F1 5 0 R >> >> >>",
        stream(b"q 1 0 0 1 10 10 cm /X1 Do Q"),
        stream(b"BT /F1 9 Tf (\x00S\x00e) Tj ET",
               b" /Type /XObject /Subtype /Form /BBox [0 0 100 100]"
               b" /Resources << /Font << /F1 5 0 R >> >>"),
    ])
    return {"latin.pdf": latin, "cjk_identity_h.pdf": cjk, "predefined_cmap_form.pdf": predefined}


def main():
    for name, data in http_requests().items():
        write("http_gate", name, data)
        write("http_session", name, data)
    for name, data in websocket_frames().items():
        write("websocket_session", name, data)
    for name, data in configs().items():
        write("config", name, data)
    for name, data in pdfs().items():
        write("pdf_text", name, data)
        write("pdf_prepare", name, data)


if __name__ == "__main__":
    main()
