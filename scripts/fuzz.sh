#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and fuzzes each parser of outside data for N seconds:
#   scripts/fuzz.sh [seconds per run, default 120] [build dir, default build-fuzz]
#   FUZZ_RUNS="pytorch pickle" picks runs (default all sixteen); FUZZ_JOBS sets make's -j.
#   FUZZ_EXECS=1000000 stops each run after exactly that many executions instead (the seconds are then ignored).
# Needs clang and ffmpeg (Debian: apt-get install clang); CI does not fuzz, so scripts/setup.sh omits clang.
# Runs: the zip checkpoint reader, the safetensors reader (both through fuzz_tensor_file, seeded with
# different files), the unpickler alone (fuzz_state_dict_pickle), the audio decode path
# (fuzz_audio_decoder, seeded with tiny files in every format plus tests/data/corrupt/audio), the vector
# index loader (fuzz_vector_index, seeded with tests/data/corrupt/index), `sonavec import`'s JSON and JSON
# Lines reader (import: fuzz_import_formats), config.json + preprocessor_config.json (config:
# fuzz_model_config), vocab.json + merges.txt (bpe_files: fuzz_bpe_files), the tokenizer's text
# (tokenizer: fuzz_bpe_tokenizer), the catalog's row decoding (catalog: fuzz_catalog_row), a recording
# print's stored pieces (prints: fuzz_recording_print) and the model
# digest cache (digests: fuzz_model_digests), taxonomy files and --template values (taxonomy:
# fuzz_taxonomy), --key names (key_name: fuzz_key_name) and an audio file's tags through TagLib
# (file_tags: fuzz_file_tags, seeded with tiny tagged files in every format it writes), and sonavec serve's
# HTTP server, request parsing and routes (http: fuzz_http_server, seeded with requests for every route,
# with a dictionary of HTTP's words). FUZZING.md
# records the last runs. Crash inputs land in <build dir>/crashes/<run>/; turn each into a fixture under
# tests/data/corrupt/ and fix the reader.
set -euo pipefail
seconds=${1:-120}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-1}

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSONAVEC_FUZZ=ON \
  -DSONAVEC_TESTS=OFF >/dev/null
make -C "$build" -j"$jobs" fuzz_tensor_file fuzz_state_dict_pickle fuzz_audio_decoder fuzz_vector_index \
  fuzz_import_formats fuzz_model_config fuzz_bpe_files fuzz_bpe_tokenizer fuzz_catalog_row fuzz_recording_print fuzz_model_digests \
  fuzz_taxonomy fuzz_key_name fuzz_file_tags fuzz_http_server >/dev/null

# Seed corpora: the committed fixtures, small safetensors files cut from the golden model's header,
# every data.pkl (the golden one included) for the unpickler, and small generated files for the rest.
corpus=$build/corpus
rm -rf "$corpus"
mkdir -p "$corpus/pytorch" "$corpus/safetensors" "$corpus/pickle" "$corpus/audio" "$corpus/index" \
  "$corpus/import" "$corpus/config" "$corpus/bpe_files" "$corpus/tokenizer" "$corpus/catalog" "$corpus/prints" "$corpus/digests" \
  "$corpus/taxonomy" "$corpus/key_name" "$corpus/file_tags" "$corpus/http"
cp "$root"/tests/data/pytorch/*.bin "$root"/tests/data/corrupt/*.bin "$corpus/pytorch/"
rm "$corpus"/pytorch/deep_*.bin  # 100k+ nested opcodes: slow to execute, and fuzz_state_dict_pickle covers nesting
cp "$root"/tests/data/corrupt/*.safetensors "$corpus/safetensors/"
cp "$root"/tests/data/corrupt/audio/*.* "$corpus/audio/"
rm "$corpus"/audio/*.py "$corpus"/audio/*.md
cp "$root"/tests/data/corrupt/index/*.index "$corpus/index/"
cp "$root"/tests/data/corrupt/import/*.json* "$corpus/import/"
cp "$root"/tests/data/corrupt/http/*.bin "$corpus/http/"
# A quarter second of a two-channel signal in each container and codec, small enough for -max_len.
for spec in wav:pcm_s16le f32.wav:pcm_f32le aiff:pcm_s24be flac:flac mp3:libmp3lame m4a:aac alac.m4a:alac \
            ogg:libvorbis opus:libopus; do
  ffmpeg -v error -y -f lavfi -i "sine=f=440:r=22050:d=0.25" -ac 2 -c:a "${spec#*:}" -b:a 32k \
    "$corpus/audio/seed.${spec%%:*}"
done
# file_tags: a tenth of a second in each format fuzz_file_tags reads, with tags sonavec writes already set
# (an ID3 chunk in AIFF, ID3v2.3 and 2.4 in MP3, iTunes atoms and QuickTime mdta keys in MP4), plus the
# corrupt audio fixtures.
cp "$root"/tests/data/corrupt/audio/*.* "$corpus/file_tags/"
rm "$corpus"/file_tags/*.py "$corpus"/file_tags/*.md
for spec in mp3:libmp3lame:-id3v2_version:4 mp3v23.mp3:libmp3lame:-id3v2_version:3 flac:flac:-compression_level:0 \
            ogg:libvorbis:-q:0 opus:libopus:-b:a:16k m4a:aac:-movflags:+faststart mdta.m4a:aac:-movflags:use_metadata_tags \
            wav:pcm_u8:-rf64:never aiff:pcm_s16be:-write_id3v2:1; do
  IFS=: read -r ext codec flag value <<<"$spec"
  ffmpeg -v error -y -f lavfi -i "sine=f=440:r=8000:d=0.1" -c:a "$codec" "$flag" "$value" -metadata title=Night \
    -metadata artist=Band -metadata genre=Rock -metadata TBPM=98 -metadata BPM=98 -metadata mood=calm \
    -metadata initialkey=8A -metadata replaygain_track_gain="-3.10 dB" "$corpus/file_tags/seed.$ext"
done
# http: a fifth of a second of a tone, the upload of the POST /api/similar seeds.
ffmpeg -v error -y -f lavfi -i "sine=f=440:r=8000:d=0.2" -ac 1 -c:a pcm_s16le "$build/http-upload.wav"
python3 - "$root" "$corpus" "$build/http-upload.wav" "$build/http.dict" <<'PY'
import json, struct, sys, zipfile, glob, os
root, corpus = sys.argv[1], sys.argv[2]
golden = os.path.join(root, "tests/data/golden/model")
with open(os.path.join(golden, "model.safetensors"), "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
small = [(k, v) for k, v in header.items() if k != "__metadata__" and v["data_offsets"][1] - v["data_offsets"][0] <= 4096]
for i in range(0, len(small), 24):
    out, blob = {"__metadata__": {"format": "pt"}}, b""
    for k, v in small[i:i + 24]:
        b, e = v["data_offsets"]
        out[k] = {"dtype": v["dtype"], "shape": v["shape"], "data_offsets": [len(blob), len(blob) + e - b]}
        blob += data[b:e]
    h = json.dumps(out).encode()
    with open(os.path.join(corpus, "safetensors", "golden_part%02d.safetensors" % (i // 24)), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + blob)
paths = [os.path.join(golden, "pytorch_model.bin")] + glob.glob(os.path.join(root, "tests/data/pytorch/*.bin"))
for p in paths:
    with zipfile.ZipFile(p) as z:
        for name in z.namelist():
            if name.endswith("/data.pkl"):
                with open(os.path.join(corpus, "pickle", os.path.basename(p) + ".pkl"), "wb") as f:
                    f.write(z.read(name))

def seed(kind, name, data):
    with open(os.path.join(corpus, kind, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

# import: what `sonavec export` and the desktop apps write, with tags and windows.
unit = [0.5, -0.5, 0.5, 0.5]
seed("import", "desktop.json", json.dumps([{"trackName": "a", "vector": [1, 2, 3, 4]}, {"trackName": "a", "vector": unit}]))
rec = {"path": "/m/a.flac", "embedding": unit, "duration_seconds": 3.5, "format": "flac", "sample_rate": 44100,
       "channels": 2, "model": "m", "tags": {"Title": "x", "year": 1999, "live": True, "none": None},
       "windows": [{"start_seconds": 0, "length_seconds": 10, "vector": unit}]}
seed("import", "export.jsonl", "\ufeff" + json.dumps(rec) + "\r\n\n" + json.dumps(dict(rec, path="/m/b.mp3", windows=2)) + "\n")
seed("import", "records.json", json.dumps([rec]))

# config: the golden model's and the full-size architecture's config.json, NUL, preprocessor_config.json.
for name, folder in (("golden", golden), ("full", os.path.join(root, "configs/clap-htsat-unfused"))):
    config = open(os.path.join(folder, "config.json"), "rb").read()
    seed("config", name + ".json", config + b"\0" + open(os.path.join(folder, "preprocessor_config.json"), "rb").read())
    seed("config", name + "_no_preprocessor.json", config)

# bpe_files: a small vocabulary (specials, the byte symbols, the first merges' tokens), NUL, its merges.
vocab = json.load(open(os.path.join(golden, "vocab.json"), encoding="utf-8"))
merges = open(os.path.join(golden, "merges.txt"), encoding="utf-8").read().split("\n")[1:]
keep = [t for t, i in sorted(vocab.items(), key=lambda kv: kv[1]) if i < 260 or t == "<mask>"]
kept_merges = []
for m in merges[:200]:
    left, right = m.split(" ")
    if left in keep and right in keep:
        kept_merges.append(m)
        if left + right not in keep:
            keep.append(left + right)
small_vocab = json.dumps({t: i for i, t in enumerate(keep)}, ensure_ascii=False).encode()
small_merges = ("#version: 0.2\n" + "\n".join(kept_merges) + "\n").encode()
seed("bpe_files", "small.bin", small_vocab + b"\0" + small_merges)
for p in glob.glob(os.path.join(root, "tests/data/corrupt/tokenizer/vocab_*.json")):
    seed("bpe_files", os.path.basename(p), open(p, "rb").read() + b"\0" + small_merges)
for p in glob.glob(os.path.join(root, "tests/data/corrupt/tokenizer/merges_*.txt")):
    seed("bpe_files", os.path.basename(p), small_vocab + b"\0" + open(p, "rb").read())

# tokenizer: prompts, the special tokens, unusual whitespace and scripts, and text that is not UTF-8.
for i, text in enumerate(["a dog barking at night", "  <s>hello</s> <mask>  world<pad><unk> ",
                          "It's 2:30 -- they'll've gone!!! ...", "\t\n\u00a0\u3000 x \u2028 y\r\n",
                          "caf\u00e9 na\u00efve \u65e5\u672c\u8a9e \u0645\u0631\u062d\u0628\u0627 \U0001f3b8\U0001f941",
                          "word " * 120]):
    seed("tokenizer", "text%d.txt" % i, text)
seed("tokenizer", "not_utf8.txt", b"ok \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80")

# catalog: one row in fuzz_catalog_row's layout (see tests/fuzz/fuzz_catalog_row.cpp).
def row(size, duration, rate, channels, dim, has_vector, texts, vector, windows):
    out = struct.pack("<qqqdqqqqq", 7, size, 1700000000000000000, duration, rate, channels, dim, has_vector, len(windows))
    out += b"".join(t.encode() + b"\n" for t in texts) + struct.pack("<%df" % len(vector), *vector)
    for start, length, v in windows:
        out += b"WNDW" + struct.pack("<dd", start, length) + struct.pack("<%df" % len(v), *v)
    return out
texts = ["/m/a.flac", "ab12", "flac", '{"artist":"x","title":"y"}', "ok", "", "model", "seed"]
seed("catalog", "ok.bin", row(1000, 3.5, 44100, 2, 4, 1, texts, unit, [(0, 10, unit), (5, 10, unit)]))
seed("catalog", "failed.bin", row(10, 0, 0, 0, 0, 0, texts[:3] + ["{}", "failed", "cannot decode", "", "seed"], [], []))

# prints: a recording print's pieces in fuzz_recording_print's layout (see tests/fuzz/fuzz_recording_print.cpp).
def piece(n, hashes, levels, step=1365 / 11025, level_step=1103 / 11025, duration=3600.0):
    h = struct.pack("<%dI" % len(hashes), *hashes)
    l = struct.pack("<%df" % len(levels), *levels)
    return struct.pack("<qdddI", n, step, level_step, duration, len(h)) + h + struct.pack("<I", len(l)) + l
seed("prints", "two_pieces.bin", b"\x01" + piece(0, list(range(32768)), [-20.0] * 32768) + piece(1, [7, 8, 9], [-120.0, 0.5]))
seed("prints", "no_levels.bin", b"\x00" + piece(0, [0xdeadbeef] * 40, [-30.0] * 50))

# digests: a cache as sonavec writes it, and a damaged one.
entry = {"stat": "2049:131:12:1700000000.5:1700000000.5", "sha256": "0123456789abcdef" * 4}
seed("digests", "ok.json", json.dumps({"/models/clap/config.json": entry, "/models/clap/model.safetensors": entry}, indent=1))
seed("digests", "bad.json", '{"/a": {"stat": 1, "sha256": "zz"}, "/b": [[[]]], "/c": {"stat": "x"}}')

# taxonomy: the built-in taxonomies, and small ones with a byte-order mark, CRLF, parents, templates and
# (after a NUL) --template values separated by NULs.
for p in glob.glob(os.path.join(root, "data/taxonomies/*.txt")):
    seed("taxonomy", os.path.basename(p), open(p, "rb").read())
seed("taxonomy", "crlf.txt", b"\xef\xbb\xbf# genres\r\nrock\r\nrock/indie rock\r\n  jazz  \r\n\r\n# template: Music like {}.\r\n")
seed("taxonomy", "templates.txt", "# template: {}\n# template: A song of {} \u00e9t\u00e9.\nrain\nwind/strong wind\n\u65e5\u672c\n")
seed("taxonomy", "with_templates.bin", b"rain\nthunder\n\0This is {}.\0{}\0A {} sound")
seed("taxonomy", "refused_with_template.bin", b"rain\nrain\n\0{} music")

# key_name: what --key and write-tags take.
for i, key in enumerate(["A minor", "a min", "Am", "Bbm", "F# major", "F#", "8A", "8a", "12B", " C maj ", "10b"]):
    seed("key_name", "key%d.txt" % i, key)

# http: what tests/fuzz/fuzz_http_server.cpp sends: a byte picking the server (0: the golden model and the
# token fuzz-token, 1: no model, no token), then the connection's bytes. Its library's ids are 1 to 8
# (one failed row), so these name real tracks.
upload = open(sys.argv[3], "rb").read()
def request(server, method, target, headers=(), body=b"", auth=True, length=True, host="127.0.0.1:8750"):
    lines = ["%s %s HTTP/1.1" % (method, target), "Host: " + host] if host else ["%s %s HTTP/1.1" % (method, target)]
    if server == 0 and auth:
        lines.append("Authorization: Bearer fuzz-token")
    lines += list(headers)
    if body and length:
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
def http(name, *args, **kwargs):
    for server in (0, 1):
        seed("http", "%s.%d.bin" % (name, server), bytes([server]) + request(server, *args, **kwargs))
gets = ["/", "/index.html", "/app.js", "/style.css", "/favicon.ico", "/api/health", "/api/openapi.json", "/api/stats",
        "/api/search?q=a+low+tone&k=4", "/api/search?q=track&mode=text&k=20", "/api/search?q=pad&mode=hybrid&k=3",
        "/api/search?q=tone&k=10&path=*/pads/*&format=wav&min_seconds=1&max_seconds=3.5",
        "/api/search?q=x&tag=genre=Rock&where=mood=calm&where=mood=sad&min_bpm=60&max_bpm=180&key=8A",
        "/api/search?q=x&k=0", "/api/search?q=x&k=abc", "/api/search?q=x&k=99999999999999999999", "/api/search?q=x&mode=fuzzy",
        "/api/search", "/api/search?q=", "/api/search?q=%00%ff%c3%28&words=%e6%97%a5&mode=text",
        "/api/search?q=x&min_bpm=-1&max_seconds=1e400", "/api/search?q=x&tag=novalue&where==", "/api/search?q=x&key=H%23",
        "/api/search?q=" + "a" * 2001, "/api/search?q=kick&token=fuzz-token&k=2",
        "/api/similar/1?k=3", "/api/similar/2?k=1000&mode=hybrid&words=pad", "/api/similar/1?path=*kicks*&min_bpm=100",
        "/api/similar/999", "/api/similar/0", "/api/similar/99999999999999999999", "/api/similar/8",
        "/api/tracks/1", "/api/tracks/2", "/api/tracks/8", "/api/tracks/999999", "/api/tracks/abc", "/api/tracks/1/audio",
        "/api/tracks/2/audio", "/api/tracks/3/audio?token=fuzz-token", "/api/tracks/99/audio",
        "/api/map", "/api/map?model_id=nothing", "/api/clusters", "/api/clusters?k=2", "/api/clusters?method=density&min_size=2",
        "/api/clusters?method=dbscan&k=1001", "/api/clusters?method=x", "/api/duplicates",
        "/api/path?from=2&to=3&steps=4", "/api/path?from=1", "/api/path?from=2&to=2&steps=1000", "/api/path?from=2&to=999",
        "/api/index", "/api/index/events", "/api/nothing", "/../../etc/passwd", "/api/tracks/..%2F..%2Fetc%2Fpasswd/audio",
        "/api/health?x=%zz&&=&y", "/api/health#fragment",
        "/api/find?q=a%20jingle&within=music", "/api/find?q=x&within=speech-over-music&sigmas=3", "/api/find?q=x&within=jazz",
        "/api/find?q=x&within=silence", "/api/recurring?min_count=2&min_length=1e9",
        "/api/timeline", "/api/timeline?format=webvtt&path=*kicks*", "/api/timeline?format=csv&silence_db=-80&min_silence=0.5",
        "/api/timeline?format=audacity", "/api/timeline?format=xml", "/api/timeline?silence_db=nan&min_silence=-1"]
for i, target in enumerate(gets):
    http("get%02d" % i, "GET", target)
for i, r in enumerate(["bytes=0-99", "bytes=100-", "bytes=-100", "bytes=0-0", "bytes=5-3", "bytes=0-1,4-5", "bytes=99999999-",
                       "bytes=-0", "bytes=x", "bytes=0-99999999", "bytes=-", "bytes=0-1, 2-3,5-"]):
    http("range%02d" % i, "GET", "/api/tracks/%d/audio" % (2 + i % 3), ["Range: " + r])
http("range_json", "GET", "/api/health", ["Range: bytes=0-3"])
def multipart(name, content, filename="tiny.wav", boundary="XyZ"):
    return ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: audio/wav\r\n\r\n" %
            (boundary, name, filename)).encode() + content + ("\r\n--%s--\r\n" % boundary).encode()
form = "Content-Type: multipart/form-data; boundary=XyZ"
http("upload", "POST", "/api/similar?k=3", [form], multipart("file", upload))
http("upload_text", "POST", "/api/similar?k=2&mode=hybrid&words=kick&path=*pads*", [form], multipart("file", upload, "a.WAV.exe"))
http("upload_other_field", "POST", "/api/similar", [form], multipart("other", upload))
http("upload_empty", "POST", "/api/similar", [form], multipart("file", b""))
http("upload_junk", "POST", "/api/similar", [form], multipart("file", b"not audio " * 300, "junk.mp3"))
http("upload_no_boundary", "POST", "/api/similar", ["Content-Type: multipart/form-data"], multipart("file", upload))
for i, body in enumerate([{"like": [2], "k": 3}, {"like": ["rain on a roof", 3], "unlike": [4], "k": 5}, {"like": []},
                          {"like": [1e400]}, {"like": [18446744073709551615], "k": 0}, {"unlike": [2]}, [1, 2]]):
    http("recommend%d" % i, "POST", "/api/recommend", ["Content-Type: application/json"], json.dumps(body).encode())
http("recommend_broken", "POST", "/api/recommend", ["Content-Type: application/json"], b"{not json")
http("tracks_post", "POST", "/api/tracks", ["Content-Type: application/json"], b'{"ids": [2, 3, 999, -1]}')
http("tracks_post_bad", "POST", "/api/tracks", ["Content-Type: application/json"], b'{"ids": ["x"]}')
http("index_post", "POST", "/api/index", ["Content-Type: application/json"], json.dumps({"folders": ["/tmp"]}).encode())
http("index_post_bad", "POST", "/api/index", ["Content-Type: application/json"], b'{"folders": "x"}')
http("index_delete", "DELETE", "/api/index")
http("index_delete_body", "DELETE", "/api/index", ["Content-Type: application/json"], b"{}")
# Who asks: origins, hosts, tokens.
http("origin_foreign", "GET", "/api/health", ["Origin: http://evil.example"])
http("origin_own", "GET", "/api/stats", ["Origin: http://127.0.0.1:8750"])
http("origin_null", "POST", "/api/recommend", ["Origin: null", "Content-Type: text/plain"], b'{"like": [2]}')
http("host_foreign", "GET", "/api/health", host="evil.example:80")
http("host_ipv6", "GET", "/api/health", host="[::1]:8750")
http("host_localhost", "GET", "/api/health", ["Origin: http://localhost"], host="localhost")
http("host_none", "GET", "/api/health", host="")
http("token_none", "GET", "/api/stats", auth=False)
http("token_wrong", "GET", "/api/stats", ["Authorization: Bearer fuzz-tokeN"], auth=False)
http("token_query", "GET", "/api/tracks/2?token=fuzz-token", auth=False)
http("token_basic", "GET", "/api/stats", ["Authorization: Basic ZnV6ejp0b2tlbg=="], auth=False)
# Bodies in chunks, and odd shapes of requests.
chunked = b"5\r\n{\"lik\r\nc;ext=1\r\ne\": [2], \"k\"\r\n4\r\n: 2}\r\n0\r\n\r\n"
http("chunked", "POST", "/api/recommend", ["Content-Type: application/json", "Transfer-Encoding: chunked"], chunked, length=False)
http("chunked_get", "GET", "/api/health", ["Transfer-Encoding: chunked"], b"0\r\n\r\n", length=False)
http("get_with_body", "GET", "/api/health", [], b"hello")
http("head", "HEAD", "/api/health")
http("head_audio", "HEAD", "/api/tracks/2/audio", ["Range: bytes=10-20"])
http("options", "OPTIONS", "/api/health")
http("expect", "POST", "/api/recommend", ["Content-Type: application/json", "Expect: 100-continue"], b'{"like": [2]}')
http("close", "GET", "/api/health", ["Connection: close"])
http("gzip", "GET", "/api/openapi.json", ["Accept-Encoding: gzip, br"])
http("long_target", "GET", "/api/search?q=" + "b" * 9000)
http("long_header", "GET", "/api/health", ["X-Big: " + "c" * 9000])
http("no_length", "POST", "/api/recommend", ["Content-Type: application/json"], b'{"like": [2]}', length=False)
for server in (0, 1):
    one = lambda *a, **k: request(server, *a, **k)
    seed("http", "pipelined.%d.bin" % server, bytes([server]) + one("GET", "/api/health") + one("GET", "/api/stats"))
    seed("http", "pipelined_post.%d.bin" % server, bytes([server]) +
         one("POST", "/api/recommend", ["Content-Type: application/json"], json.dumps({"like": [2], "k": 2}).encode()) +
         one("GET", "/api/tracks/2"))
    padded = b'{"like": [3], "k": 2' + b" " * 5000 + b"}"  # past httplib's 4 KB reads
    seed("http", "pipelined_long.%d.bin" % server, bytes([server]) +
         one("POST", "/api/recommend", ["Content-Type: application/json"], padded) + one("GET", "/api/health"))
    seed("http", "http10.%d.bin" % server, bytes([server]) + b"GET /api/health HTTP/1.0\r\n\r\n")
    seed("http", "garbage.%d.bin" % server, bytes([server]) + b"GARBAGE\r\n\r\n")
    seed("http", "unfinished.%d.bin" % server, bytes([server]) + b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1")
    seed("http", "tls.%d.bin" % server, bytes([server]) + b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
# A dictionary of HTTP's words and this server's, for libFuzzer's -dict.
words = ["GET ", "HEAD ", "POST ", "DELETE ", "OPTIONS ", " HTTP/1.1\r\n", " HTTP/1.0\r\n", "\r\n", "\r\n\r\n", "Host: ",
         "127.0.0.1", "localhost", "[::1]", "Content-Length: ", "Transfer-Encoding: chunked", "Connection: close",
         "Connection: keep-alive", "Expect: 100-continue", "Range: bytes=", "Origin: http://", "Authorization: Bearer ",
         "fuzz-token", "?token=", "Content-Type: ", "application/json", "multipart/form-data; boundary=",
         "Content-Disposition: form-data; name=\"file\"; filename=\"", "Accept-Encoding: gzip", "/api/", "/api/health",
         "/api/stats", "/api/search?q=", "/api/similar/", "/api/tracks/", "/audio", "/api/map", "/api/clusters?method=",
         "/api/duplicates", "/api/path?from=", "&to=", "&steps=", "/api/index", "/api/index/events", "/api/recommend",
         "/api/openapi.json", "&k=", "&mode=text", "&mode=hybrid", "&words=", "&min_seconds=", "&max_seconds=", "&format=",
         "&path=", "&tag=", "&where=", "&min_bpm=", "&max_bpm=", "&key=", "&min_size=", "&model_id=", "density", "kmeans",
         "\"like\"", "\"unlike\"", "\"k\"", "\"folders\"", "%00", "%2F", "0\r\n\r\n"]
with open(sys.argv[4], "w") as f:
    for w in words:
        f.write('"%s"\n' % "".join("\\x%02x" % ord(c) if c in '\\"' or not " " <= c <= "~" else c for c in w))
PY

run() {  # run <name> <binary> <corpus dir> [more libFuzzer flags]
  local name=$1 binary=$2 seeds=$3
  shift 3
  rm -rf "$build/work/$name"  # start from the seeds each time, so runs are comparable
  mkdir -p "$build/crashes/$name" "$build/work/$name"
  local bound=-max_total_time="$seconds" limit="${seconds}s"
  if [ -n "${FUZZ_EXECS:-}" ]; then bound=-runs="$FUZZ_EXECS" limit="$FUZZ_EXECS executions"; fi
  echo "== $name: $limit"
  "$build/$binary" "$build/work/$name" "$seeds" "$bound" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/crashes/$name/" "$@" 2>&1 |
    grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|#[0-9]+[[:space:]]+DONE)|ERROR|SUMMARY|Test unit written" || true
  ls "$build/crashes/$name"
}
for name in ${FUZZ_RUNS:-pytorch safetensors pickle audio index import config bpe_files tokenizer catalog prints digests \
              taxonomy key_name file_tags http}; do
  case $name in
    pytorch) run pytorch fuzz_tensor_file "$corpus/pytorch" ;;
    safetensors) run safetensors fuzz_tensor_file "$corpus/safetensors" ;;
    pickle) run pickle fuzz_state_dict_pickle "$corpus/pickle" ;;
    audio) run audio fuzz_audio_decoder "$corpus/audio" ;;
    index) run index fuzz_vector_index "$corpus/index" ;;
    import) run import fuzz_import_formats "$corpus/import" ;;
    config) run config fuzz_model_config "$corpus/config" ;;
    bpe_files) run bpe_files fuzz_bpe_files "$corpus/bpe_files" ;;
    tokenizer) run tokenizer fuzz_bpe_tokenizer "$corpus/tokenizer" ;;
    catalog) run catalog fuzz_catalog_row "$corpus/catalog" ;;
    prints) run prints fuzz_recording_print "$corpus/prints" ;;
    digests) run digests fuzz_model_digests "$corpus/digests" ;;
    taxonomy) run taxonomy fuzz_taxonomy "$corpus/taxonomy" ;;
    key_name) run key_name fuzz_key_name "$corpus/key_name" ;;
    file_tags) run file_tags fuzz_file_tags "$corpus/file_tags" ;;
    http) run http fuzz_http_server "$corpus/http" -dict="$build/http.dict" ;;
    *) echo "unknown run '$name'" >&2; exit 2 ;;
  esac
done
