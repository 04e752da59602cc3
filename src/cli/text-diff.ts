// A line diff for `--dry-run`: `-` removed, `+` added, two lines of context around each change.
// Longest common subsequence over lines; client config files are small.

export function diffLines(before: string, after: string, context = 2): string {
  const a = before.split("\n");
  const b = after.split("\n");
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      const row = lengths[i] as number[];
      row[j] =
        a[i] === b[j]
          ? ((lengths[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lengths[i + 1] as number[])[j] as number, row[j + 1] as number);
    }
  }
  const ops: { kind: " " | "-" | "+"; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: " ", line: a[i] as string });
      i += 1;
      j += 1;
    } else if (
      j < b.length &&
      (i === a.length ||
        ((lengths[i] as number[])[j + 1] as number) >= ((lengths[i + 1] as number[])[j] as number))
    ) {
      ops.push({ kind: "+", line: b[j] as string });
      j += 1;
    } else {
      ops.push({ kind: "-", line: a[i] as string });
      i += 1;
    }
  }
  const near = ops.map((_, index) =>
    ops.slice(Math.max(0, index - context), index + context + 1).some((op) => op.kind !== " "),
  );
  const out: string[] = [];
  let skipped = false;
  ops.forEach((op, index) => {
    if (!near[index]) {
      if (!skipped) out.push("…");
      skipped = true;
      return;
    }
    skipped = false;
    out.push(`${op.kind} ${op.line}`.trimEnd());
  });
  return out.join("\n");
}
