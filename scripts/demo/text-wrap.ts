/** The prose of the demo's summary, wrapped between words (the tables are as wide as they need). */

/** Longest line of prose in a section. */
export const LINE_CHARS = 112;

/** `text` in lines of at most `width` characters, broken between words. */
export function wrap(text: string, width = LINE_CHARS): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}

/** Every line of `text` indented by two spaces (a section's body). */
export function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

/** `1.3 s` */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
