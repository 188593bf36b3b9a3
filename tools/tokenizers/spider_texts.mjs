// Every Spider question and query (train_spider, train_others, dev), in the fixtures' order.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export function spiderTexts() {
  const texts = [];
  for (const file of ["train_spider.json", "train_others.json", "dev.json"]) {
    for (const e of JSON.parse(readFileSync(join(root, "data", "spider", file), "utf8"))) texts.push(e.question, e.query);
  }
  return texts;
}
