// Conversations rendered by every chat template: both role sets, with and without a generation
// prompt, multi-turn, and content with newlines, surrounding spaces and non-ASCII text.
export function chatTemplateCases() {
  const system = { role: "system", content: "You are a SQLite expert. Answer with one SQL query." };
  const question = { role: "user", content: "How many singers do we have?" };
  const answer = { role: "assistant", content: "SELECT count(*) FROM singer" };
  const tricky = { role: "user", content: "  Schema:\nCREATE TABLE t (a INT);\n\nQuestion: ¿Cuántos? 歌手は何人?  " };
  const trickyAnswer = { role: "assistant", content: "SELECT count(*)\nFROM t;  " };
  const conversations = [
    [question],
    [system, question],
    [question, answer],
    [system, question, answer],
    [system, question, answer, tricky],
    [system, question, answer, tricky, trickyAnswer],
    [tricky],
    [tricky, trickyAnswer, question],
  ];
  const cases = [];
  for (const messages of conversations) {
    for (const add_generation_prompt of [false, true]) cases.push({ messages, add_generation_prompt });
  }
  return cases;
}
