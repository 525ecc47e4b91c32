#!/usr/bin/env node
// Imports the newest tree of an image with @discburn/fsimage and prints how many items it holds: the
// "import" step of bench/append.mjs (what `AppendSession.open` does before any edit).
import { ImageFileSource, importFileSystem } from "../packages/fsimage/dist/index.js";

const source = await ImageFileSource.open(process.argv[2]);
const { root } = await importFileSystem(source, { fileSystem: "rockridge" });
let items = 0;
const walk = (dir) => {
  for (const c of dir.unsortedChildren()) {
    items++;
    if (c.kind === "directory") walk(c);
  }
};
walk(root);
await source.close();
process.stdout.write(`${items}\n`);
