// Loads a GGUF with node-llama-cpp, evaluates a prompt and greedily decodes
// N tokens; prints one JSON line: which GPU ran it, the offloaded layers, the
// token ids, the prompt's last logits (first 64) and timings.
//
//   node generate.mjs <model.gguf> <cpu|cuda> <fa:0|1> [tokens]
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
for await (const token of sequence.evaluate(prompt, {temperature: 0})) {
  if (promptDone === 0n) promptDone = process.hrtime.bigint();
  generated.push(token);
  if (generated.length >= Number(count)) break;
}
const end = process.hrtime.bigint();
console.log(JSON.stringify({
  gpu: llama.gpu,
  gpuLayers: model.gpuLayers,
  promptTokens: prompt.length,
  tokens: generated,
  text: model.detokenize(generated),
  promptMs: Number(promptDone - start) / 1e6,
  decodeMsPerToken: Number(end - promptDone) / 1e6 / Math.max(1, generated.length - 1),
}));
await context.dispose();
await model.dispose();
await llama.dispose();
