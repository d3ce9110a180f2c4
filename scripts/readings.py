#!/usr/bin/env python3
"""Builds src/retrieval/readings.tsv.gz, the kanji-word readings that FAQ search matches kana, romaji and
misspelt kanji through, from IPADIC's lexicon (Debian's mecab-ipadic package, EUC-JP CSV files).

    apt-get install mecab-ipadic   # or: apt-get download mecab-ipadic && dpkg-deb -x mecab-ipadic_*.deb x
    python3 scripts/readings.py /usr/share/mecab/dic/ipadic src/retrieval/readings.tsv.gz

Each line is `surface<TAB>reading` (reading in hiragana), one per surface that contains a kanji, keeping
the reading of the entry IPADIC finds most likely (lowest word cost); then lines `kanji<TAB><TAB>reading`
give how a kanji most often reads at the head of a compound, and `~kanji<TAB><TAB>reading` at its tail
(IPADIC's prefixes and suffixes first). Personal names and organisation
names are left out: they add size and no shop question is about them.
"""

import csv
import gzip
import os
import sys

SKIP = {"Noun.name.csv", "Noun.org.csv", "Symbol.csv"}


def kanji(s):
    return any("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or c == "々" for c in s)


def hiragana(s):
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in s)


def compound_readings(words):
    """How each kanji most often reads inside two-kanji words (送 in 送料, 送金: そう), for compounds the
    lexicon lacks, misspelt ones above all (送量 reads そうりょう like 送料)."""
    seen = {}
    for word, reading in words.items():
        if len(word) != 2 or not all(kanji(c) for c in word) or len(reading) < 2:
            continue
        first, second = word
        for i in range(1, min(4, len(reading) - 1) + 1):
            seen.setdefault((first, 0), {}).setdefault(reading[:i], set()).add(word)
            seen.setdefault((second, 1), {}).setdefault(reading[-i:], set()).add(word)
    out = {}
    for (k, at), candidates in seen.items():
        top = max(len(w) for w in candidates.values())
        if top < 2:
            continue
        strong = [r for r, w in candidates.items() if len(w) >= 0.35 * top]
        out[("" if at == 0 else "~") + k] = max(strong, key=lambda r: (len(r), len(candidates[r])))
    return out


def affixes(src, name):
    """Single-kanji prefixes or suffixes of IPADIC (再 さい, 場 じょう), which read so in compounds."""
    out = {}
    with open(os.path.join(src, name), encoding="euc_jp") as f:
        for row in csv.reader(f):
            if len(row) >= 12 and len(row[0]) == 1 and kanji(row[0]) and row[11] != "*":
                cost = int(row[3])
                if row[0] not in out or cost < out[row[0]][0]:
                    out[row[0]] = (cost, hiragana(row[11]))
    return {k: r for k, (_, r) in out.items()}


def main(src, out):
    best = {}
    for name in sorted(os.listdir(src)):
        if not name.endswith(".csv") or name in SKIP:
            continue
        with open(os.path.join(src, name), encoding="euc_jp", errors="strict") as f:
            for row in csv.reader(f):
                if len(row) < 12 or not kanji(row[0]) or row[11] == "*":
                    continue
                surface, cost, reading = row[0], int(row[3]), hiragana(row[11])
                if surface not in best or cost < best[surface][0]:
                    best[surface] = (cost, reading)
    words = {s: r for s, (_, r) in best.items()}
    lines = "".join(f"{s}\t{r}\n" for s, r in sorted(words.items()))
    compounds = compound_readings(words)
    # IPADIC's own affixes say best how a kanji reads at a compound's head or tail.
    compounds.update(affixes(src, "Prefix.csv"))
    compounds.update({"~" + k: r for k, r in affixes(src, "Suffix.csv").items()})
    lines += "".join(f"{k}\t\t{r}\n" for k, r in sorted(compounds.items()))
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
        f.write(lines.encode("utf-8"))
    print(f"{len(best)} readings -> {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
