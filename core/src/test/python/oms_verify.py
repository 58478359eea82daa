#!/usr/bin/python3
"""An independent OMS verifier (key method), written from ../shared/signing/README.md only.

usage: oms_verify.py PUBLIC_KEY.pem SIGNATURE MODEL [IGNORED_NAME ...]
MODEL is a file (the statement lists it as "." or by its name) or a directory (every regular file
but the ignored names and the signature itself is listed). Exits 0 when the signature verifies and
every digest matches, 1 with a message otherwise. Uses Debian's python3-cryptography.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

HASHES = {"secp256r1": hashes.SHA256, "secp384r1": hashes.SHA384, "secp521r1": hashes.SHA512}


def fail(msg):
    print("oms_verify: " + msg, file=sys.stderr)
    sys.exit(1)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def main(argv):
    key_file, sig_file, model, ignored = argv[1], argv[2], argv[3], set(argv[4:])
    key = serialization.load_pem_public_key(open(key_file, "rb").read())
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in HASHES:
        fail("not a P-256/384/521 key")
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    bundle = json.load(open(sig_file, "rb"))
    if not bundle["mediaType"].startswith("application/vnd.dev.sigstore.bundle"):
        fail("not a Sigstore bundle")
    material = bundle["verificationMaterial"]["publicKey"]
    if "hint" in material and material["hint"] != hashlib.sha256(pem).hexdigest():
        fail("the hint names another key")
    env = bundle["dsseEnvelope"]
    payload = base64.b64decode(env["payload"], validate=True)
    ptype = env["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
    (sig,) = env["signatures"]
    try:
        key.verify(base64.b64decode(sig["sig"], validate=True), pae, ec.ECDSA(HASHES[key.curve.name]()))
    except InvalidSignature:
        fail("bad signature")
    st = json.loads(payload)
    if st["_type"] != "https://in-toto.io/Statement/v1" or st["predicateType"] != "https://model_signing/signature/v1.0":
        fail("not an OMS statement")
    resources = {r["name"]: r["digest"] for r in st["predicate"]["resources"] if r["algorithm"] == "sha256"}
    if len(resources) != len(st["predicate"]["resources"]):
        fail("a resource is not sha256")
    root = hashlib.sha256(b"".join(bytes.fromhex(resources[n]) for n in sorted(resources))).hexdigest()
    (subject,) = st["subject"]
    if subject["digest"]["sha256"] != root:
        fail("the subject digest is not the resources' digest")
    if os.path.isdir(model):
        sig_abs = os.path.abspath(sig_file)
        actual = {}
        for dirpath, dirnames, filenames in os.walk(model):
            for f in filenames:
                p = os.path.join(dirpath, f)
                rel = os.path.relpath(p, model).replace(os.sep, "/")
                if rel in ignored or os.path.abspath(p) == sig_abs:
                    continue
                actual[rel] = sha256_file(p)
    else:
        name = "." if "." in resources else os.path.basename(model)
        actual = {name: sha256_file(model)}
    if actual != resources:
        fail("files differ from the statement: on disk %s, signed %s" % (sorted(actual), sorted(resources)))
    print("oms_verify: OK, " + ", ".join(sorted(resources)))


if __name__ == "__main__":
    main(sys.argv)
