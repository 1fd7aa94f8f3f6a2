"""quic_seal.py: protects QUIC v1/v2 client Initial packets (RFC 9001 5,
RFC 9369) for gen.py, with python3-cryptography. Checked against the
RFC 9001 and RFC 9369 Appendix A.2 packets by tests/unit/test_quic.c's
vectors (same keys, same bytes)."""
import hashlib
import hmac

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

V1, V2 = 0x00000001, 0x6b3343cf
SALT = {V1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
        V2: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9")}


def expand_label(secret, label, length):
    full = b"tls13 " + label.encode()
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + b"\x00"
    return hmac.new(secret, info + b"\x01", hashlib.sha256).digest()[:length]


def keys(version, dcid):
    initial = hmac.new(SALT[version], dcid, hashlib.sha256).digest()
    client = expand_label(initial, "client in", 32)
    p = "quicv2 " if version == V2 else "quic "
    return (expand_label(client, p + "key", 16), expand_label(client, p + "iv", 12),
            expand_label(client, p + "hp", 16))


def seal(version, dcid, scid, pn, payload, pn_len=4):
    key, iv, hp = keys(version, dcid)
    first = 0xc0 | (1 if version == V2 else 0) << 4 | (pn_len - 1)
    length = pn_len + len(payload) + 16
    hdr = (bytes([first]) + version.to_bytes(4, "big") + bytes([len(dcid)]) + dcid +
           bytes([len(scid)]) + scid + b"\x00" + (0x4000 | length).to_bytes(2, "big"))
    pn_off = len(hdr)
    hdr += pn.to_bytes(pn_len, "big")
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big")))
    pkt = bytearray(hdr + AESGCM(key).encrypt(nonce, payload, hdr))
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(bytes(pkt[pn_off + 4:pn_off + 20])) + enc.finalize()
    pkt[0] ^= mask[0] & 0x0f
    for i in range(pn_len):
        pkt[pn_off + i] ^= mask[1 + i]
    return bytes(pkt)
