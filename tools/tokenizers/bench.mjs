// JS reference side of bench/tokenizer_bench.sh: encodes every Spider question and query (warm-up
// pass first, then the timed pass) and prints tokens/s.
import { spiderTexts } from "./spider_texts.mjs";
const family = process.argv[2] ?? "llama3";
const { fromPreTrained } = await import(`@lenml/tokenizer-${family}`);
const tokenizer = fromPreTrained();
const texts = spiderTexts();
for (const t of texts) tokenizer.encode(t, { add_special_tokens: false });
const start = process.hrtime.bigint();
let tokens = 0;
for (const t of texts) tokens += tokenizer.encode(t, { add_special_tokens: false }).length;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`JS ${family}: ${texts.length} texts, ${tokens} tokens in ${(seconds * 1000).toFixed(1)} ms = ${(tokens / seconds / 1e6).toFixed(2)} M tokens/s`);
