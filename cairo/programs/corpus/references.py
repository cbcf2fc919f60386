"""Reference outputs of the builtin corpus programs, computed in plain Python.

Each function below redoes its program's computation from the description in the program's header
comment, with cairo-lang's own crypto (Poseidon, Pedersen, STARK-curve arithmetic) for the
builtins; nothing here runs Cairo. Run it with the cairo-lang virtualenv's python:

    python references.py NAME ARGS...   the expected output of NAME on ARGS, as space-separated
                                        decimal felts (the args first, as every job program echoes)
    python references.py --uses NAME ARGS...
                                        also the builtin instances the program uses (pedersen,
                                        bitwise, ec_op, poseidon, add_mod, mul_mod, ecdsa; range checks
                                        are not predicted)
    python references.py --check [ORG_TOOL]
                                        run every case in CASES with `org-tool run --json` (default
                                        target/release/org-tool from the repository root) and
                                        compare its output; prints the steps (the table in
                                        REFERENCES.md)
"""

import json
import os
import subprocess
import sys

from starkware.cairo.common.poseidon_hash import (
    poseidon_hash,
    poseidon_hash_many,
    poseidon_hash_single,
)
from starkware.crypto.signature.fast_pedersen_hash import pedersen_hash
from starkware.crypto.signature.signature import ALPHA, FIELD_PRIME, verify
from starkware.python.math_utils import EC_INFINITY, ec_safe_add, ec_safe_mult

P = FIELD_PRIME
# The STARK curve's generator, as in starkware.cairo.common.ec.StarkCurve.
GEN = (
    0x1EF15C18599971B7BECED415A40F0C7DEACFD9B0D1819E03D723D8BC943CFCA,
    0x5668060AA49730B7BE4801DF46EC62DE53ECD11ABE43A32873000C36E8DC1F,
)


def ec_add(p, q):
    return ec_safe_add(p, q, ALPHA, P)


def ec_mul(m, p):
    return ec_safe_mult(m, p, ALPHA, P)


def point(p):
    """Cairo's representation: the point at infinity is (0, 0)."""
    return [0, 0] if p == EC_INFINITY else [p[0], p[1]]


def limbs(v, bits, count):
    return [(v >> (bits * i)) % 2**bits for i in range(count)]


def xorshift(seed, n):
    assert 1 <= seed < 2**64 and 0 <= n <= 2000
    mask = 2**64 - 1
    x, inside = seed, 0
    for _ in range(n):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        u, v = x & (2**32 - 1), x >> 32
        inside += u * u + v * v < 2**64
    return [seed, n, inside, x], {"bitwise": 7 * n}


def hash_chain(seed, n):
    assert 0 <= seed < P and 0 <= n <= 8000
    chain = [seed]
    for i in range(n):
        chain.append(poseidon_hash(chain[-1], i))
    out = [seed, n, chain[-1], poseidon_hash_many(chain), poseidon_hash_single(chain[-1])]
    # The links, the sponge (one permutation per pair, one more for the padded tail), the single.
    return out, {"poseidon": n + (n + 1) // 2 + 1 + 1}


def merkle(seed, depth, index):
    assert 0 <= seed < P and 0 <= depth <= 12 and 0 <= index < 2**depth
    level = [pedersen_hash(seed, j) for j in range(2**depth)]
    leaf = level[index]
    path, pos = [], index
    while len(level) > 1:
        path.append(level[pos ^ 1])
        level = [pedersen_hash(level[2 * k], level[2 * k + 1]) for k in range(len(level) // 2)]
        pos //= 2
    root = level[0]

    def verifies(node):
        pos = index
        for sibling in path:
            node = pedersen_hash(node, sibling) if pos % 2 == 0 else pedersen_hash(sibling, node)
            pos //= 2
        return int(node == root)

    out = [seed, depth, index, root, leaf, verifies(leaf), verifies((leaf + 1) % P)] + path
    return out, {"pedersen": 2 * 2**depth - 1 + 2 * depth}


def dict_squash(n, m):
    assert 0 <= n <= 2500 and 1 <= m <= 100
    d = {}
    for i in range(n):
        key = ((3 * i * i + i) % m) * 2**200 + 7
        d[key] = (3 * d.get(key, 0) + i + 1) % P
    out = [n, m, len(d)]
    for key in sorted(d):
        out += [key, d[key]]
    return out, {}


def u256(base, exp):
    assert 0 <= base < P and 0 <= exp < P
    modulus = 2**256 - 2**32 - 977
    b, r, x, s, c, e = base % modulus, 1, 0, 0, 0, exp
    while e:
        if e & 1:
            r = r * b % modulus
        e >>= 1
        b = b * b % modulus
        x ^= r
        s += b
        if s >= 2**256:
            s -= 2**256
            c += 1
    out = [base, exp] + limbs(r, 128, 2) + limbs(x, 128, 2) + limbs(s, 128, 2) + [c]
    # uint256_and and uint256_xor: one bitwise instance per 128-bit limb, once per bit of exp.
    return out, {"bitwise": 4 * exp.bit_length()}


def ec_ops(k, n):
    assert 1 <= k < 2**250 and 0 <= n <= 2000
    q = ec_mul(k, GEN)
    a, t = GEN, EC_INFINITY
    m_q = ec_mul(k, q)  # (k + i) * Q, starting at i = 0
    for _ in range(n):
        a = ec_add(a, m_q)
        t = ec_add(t, a)
        m_q = ec_add(m_q, q)
    return [k, n] + point(q) + point(a) + point(t), {"ec_op": 1 + n}


def rc96(n):
    assert 0 <= n <= 1500
    a, c = 0x5851F42D4C957F2D, 0x14057B7EF767814F
    x, s, wraps = 1, 0, 0
    for _ in range(n):
        x = (a * x + c) % 2**96
        s += x * x
        if s >= 2**192:
            s -= 2**192
            wraps += 1
    return [n, x, s % 2**96, s >> 96, wraps], {}


BLS12_381_P = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f624"
    "1eabfffeb153ffffb9feffffffffaaab",
    16,
)


def circuit(x, n):
    assert 0 <= x < 2**128 and 0 <= n <= 10000
    p = BLS12_381_P
    v = x
    for _ in range(n):
        v = (v * v + 5) % p
    t = (v - x) % p
    w = pow(x + 1, -1, p)
    out = [x, n] + limbs(v, 96, 4) + limbs(t, 96, 4) + limbs(w, 96, 4)
    return out, {"add_mod": n + 2, "mul_mod": n + 1}


def mix_all(seed, n):
    assert 0 <= seed < P and 0 <= n <= 1000
    h, d, x, s, p = seed, 0, 0, 0, GEN
    for i in range(n):
        h = poseidon_hash(h, i)
        low = h % 2**64
        x ^= low
        s += low % 1000
        d = pedersen_hash(d, low)
        p = ec_add(p, ec_mul(low, GEN))
    out = [seed, n, h, d, x, s] + point(p)
    return out, {"pedersen": n, "bitwise": 2 * n, "ec_op": n, "poseidon": n}


def signatures(public_key, message, r, s, reps):
    assert 1 <= reps <= 1000
    assert verify(message, r, s, public_key), "the corpus case's signature must verify"
    return [public_key, message, r, s, reps, reps], {"ecdsa": reps}


def mix_signed(seed, n, public_key, message, r, s):
    assert verify(message, r, s, public_key), "the corpus case's signature must verify"
    out, uses = mix_all(seed, n)
    uses["ecdsa"] = n
    return out[:2] + [public_key, message, r, s] + out[2:], uses


# Signed cases for signatures.cairo: starkware.crypto.signature.sign(message, key) with
# public_key = private_to_stark_key(key), for the keys 0x1234567, 0x7a3f...f41 and 0x3b1f0c55aa.
SIGNED = [
    [
        961402640779120116494199688070946729708169893186414498106599600291824840092,
        66,
        1675335844326976358187072830826296402879338285926641080113243705398127243624,
        2892921445311508862282871849372624179317315831599287014657245082578671015517,
    ],
    [
        2075402701887105690188174329489387959200079502719094774757914290150226629711,
        2**250 + 12345,
        2806521303527724556766722679470834316496700936356697470561592791703815726216,
        1883954971547030305964194540528825774902065838974718215267023004681505885292,
    ],
    [
        1550103732514668986604200338381911731146069808954022497890299969198289600282,
        1,
        3048994030151629307385040513546769962253783542250665753815797124732995695149,
        2503765277637874159507156383615958639200423286346692197802271143290792087517,
    ],
]


PROGRAMS = {
    "xorshift": xorshift,
    "hash_chain": hash_chain,
    "merkle": merkle,
    "dict_squash": dict_squash,
    "u256": u256,
    "ec_ops": ec_ops,
    "rc96": rc96,
    "circuit": circuit,
    "mix_all": mix_all,
    "signatures": signatures,
    "mix_signed": mix_signed,
}

# Three argument sets per program, in increasing size: a few hundred steps, about ten thousand,
# about a hundred thousand.
CASES = {
    "xorshift": [[88172645463325252, 2], [2463534242, 100], [12345, 1000]],
    "hash_chain": [[7, 10], [2**250 + 12345, 400], [P - 1, 3900]],
    "merkle": [[5, 3, 6], [12345, 8, 200], [2**200 + 1, 11, 1365]],
    "dict_squash": [[5, 3], [120, 7], [1200, 30]],
    "u256": [[2, 1], [5, 37], [P - 2, 2**52 - 1]],
    "ec_ops": [[5, 3], [123456789, 100], [2**249 + 7, 900]],
    "rc96": [[3], [80], [750]],
    "circuit": [[3, 2], [12345678901234567890, 500], [2**128 - 1, 4700]],
    "mix_all": [[7, 3], [12345, 60], [P - 1, 600]],
    "signatures": [SIGNED[0] + [1], SIGNED[1] + [100], SIGNED[2] + [1000]],
    "mix_signed": [[7, 3] + SIGNED[0], [12345, 60] + SIGNED[1], [P - 1, 600] + SIGNED[2]],
}


def expected(name, args):
    return PROGRAMS[name](*args)


def check(org_tool):
    here = os.path.dirname(os.path.abspath(__file__))
    ok = True
    for name, cases in CASES.items():
        for args in cases:
            out, _ = expected(name, args)
            run = subprocess.run(
                [org_tool, "run", os.path.join(here, name + ".json"), "--json", "--args"]
                + [str(a) for a in args],
                capture_output=True,
                text=True,
            )
            if run.returncode != 0:
                print(f"{name} {args}: org-tool failed: {run.stderr.strip()}")
                ok = False
                continue
            got = json.loads(run.stdout)
            same = [int(v) for v in got["output"]] == out
            ok &= same
            print(f"{name} {' '.join(map(str, args))}: {got['steps']} steps, "
                  f"{'output matches' if same else 'OUTPUT DIFFERS'}")
    return ok


def main(argv):
    if argv and argv[0] == "--check":
        repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
        org_tool = argv[1] if len(argv) > 1 else os.path.join(repo, "target/release/org-tool")
        return 0 if check(org_tool) else 1
    uses = bool(argv) and argv[0] == "--uses"
    if uses:
        argv = argv[1:]
    if not argv or argv[0] not in PROGRAMS:
        print(__doc__)
        print("programs:", " ".join(PROGRAMS))
        return 2
    out, counts = expected(argv[0], [int(a, 0) for a in argv[1:]])
    print(" ".join(map(str, out)))
    if uses:
        print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
