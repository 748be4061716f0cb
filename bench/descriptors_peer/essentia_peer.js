// The independent peer for bench_descriptors: essentia.js (Essentia compiled to WebAssembly) on the same
// files. Reads WAV paths (mono float32 or 16-bit PCM, 44.1 kHz) one per line on stdin and writes one JSON
// line per file: {path, bpm (RhythmExtractor2013, degara: multifeature is 5x slower here), key, scale (KeyExtractor), ms}.
// usage: node essentia_peer.js < list.txt   (after `npm install` in this folder)
'use strict';
const fs = require('fs');
const readline = require('readline');
const { Essentia, EssentiaWASM } = require('essentia.js');

const essentia = new Essentia(EssentiaWASM);

// The samples of a WAV file's first channel as a Float32Array, and its rate.
function readWav(path) {
    const b = fs.readFileSync(path);
    let pos = 12, fmt = null, data = null;
    while (pos + 8 <= b.length) {
        const id = b.toString('ascii', pos, pos + 4), size = b.readUInt32LE(pos + 4);
        if (id === 'fmt ') fmt = { format: b.readUInt16LE(pos + 8), channels: b.readUInt16LE(pos + 10),
                                   rate: b.readUInt32LE(pos + 12), bits: b.readUInt16LE(pos + 22) };
        if (id === 'data') data = b.subarray(pos + 8, pos + 8 + size);
        pos += 8 + size + (size & 1);
    }
    if (!fmt || !data) throw new Error(path + ': not a WAV file');
    const step = fmt.channels * fmt.bits / 8, n = Math.floor(data.length / step);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
        const o = i * step;
        out[i] = fmt.bits === 32 ? data.readFloatLE(o) : data.readInt16LE(o) / 32768;
    }
    return { samples: out, rate: fmt.rate };
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (path) => {
    if (!path) return;
    const { samples, rate } = readWav(path);
    const t0 = process.hrtime.bigint();
    const vec = essentia.arrayToVector(samples);
    const rhythm = essentia.RhythmExtractor2013(vec, 208, 'degara', 40);
    const key = essentia.KeyExtractor(vec, true, 4096, 4096, 12, 3500, 60, 25, 0.2, 'bgate', rate);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    vec.delete();
    console.log(JSON.stringify({ path, bpm: rhythm.bpm, key: key.key, scale: key.scale, ms }));
});
