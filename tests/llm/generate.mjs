// Loads a GGUF with node-llama-cpp, evaluates a prompt and greedily decodes
// N tokens; prints one JSON line: which GPU ran it, the offloaded layers, the
// token ids, the five most likely tokens of each step and timings.
//
//   node generate.mjs <model.gguf> <cpu|cuda> <fa:0|1> [tokens]
import {readFileSync} from "node:fs";
import {getLlama} from "node-llama-cpp";

const [modelPath, gpu, flashAttention, count = "16"] = process.argv.slice(2);
const llama = await getLlama({gpu: gpu === "cpu" ? false : gpu, build: "never",
                              usePrebuiltBinaries: true, progressLogs: false,
                              logLevel: "warn", vramPadding: 0});
const model = await llama.loadModel({modelPath, gpuLayers: gpu === "cpu" ? 0 : "max"});
const context = await model.createContext({contextSize: 256, batchSize: 64,
                                           flashAttention: flashAttention === "1",
                                           threads: 1});
const sequence = context.getSequence();
const prompt = model.tokenize("The quick brown fox jumps over the lazy dog.");
const generated = [];
const start = process.hrtime.bigint();
let promptDone = 0n;
// The five most likely next tokens at every step, to tell a real difference
// from a near-tie that rounding may decide either way.
const top = [];
for await (const out of sequence.evaluateWithMetadata(prompt, {probabilities: true}, {temperature: 0})) {
  if (promptDone === 0n) promptDone = process.hrtime.bigint();
  generated.push(out.token);
  top.push([...out.probabilities.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5));
  if (generated.length >= Number(count)) break;
}
const end = process.hrtime.bigint();
// Which CUDA libraries this process really mapped (the prebuilt build and
// the runtime it bound to).
const mapped = [...new Set(readFileSync("/proc/self/maps", "utf8").split("\n")
  .map((line) => line.split(/\s+/)[5] ?? "")
  .filter((path) => /lib(ggml-cuda|cudart|cublas|cuda|nvidia-ml)\.so/.test(path)))];
console.log(JSON.stringify({
  mapped,
  gpu: llama.gpu,
  gpuLayers: model.gpuLayers,
  promptTokens: prompt.length,
  tokens: generated,
  top,
  text: model.detokenize(generated),
  promptMs: Number(promptDone - start) / 1e6,
  decodeMsPerToken: Number(end - promptDone) / 1e6 / Math.max(1, generated.length - 1),
}));
await context.dispose();
await model.dispose();
await llama.dispose();
