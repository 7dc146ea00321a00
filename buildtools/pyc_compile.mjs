// Compile the Python sources under each directory to bytecode with the Pyodide the page runs,
// so the .pyc files carry its exact magic number (buildtools/pyc.py packs them into wheels).
//
//   node buildtools/pyc_compile.mjs <pyodide dir> <install dir> <dir>...
//
// Each x.py gets an x.pyc beside it (the sourceless layout: buildtools/pyc.py then drops x.py),
// naming <install dir>/... as its file, as tracebacks will.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, installDir, ...dirs] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: pyodideDir + "/" });
const bad = [];
dirs.forEach((dir, i) => {
  const mount = `/src${i}`;
  py.FS.mkdir(mount);
  py.FS.mount(py.FS.filesystems.NODEFS, { root: dir }, mount);
  const ok = py.runPython(`
import compileall
compileall.compile_dir(${JSON.stringify(mount)}, ddir=${JSON.stringify(installDir)}, quiet=1,
                       legacy=True)
`);
  if (!ok) bad.push(dir);
});
if (bad.length) {
  console.error(`pyc_compile: these sources did not compile: ${bad.join(", ")}`);
  process.exit(1);
}
console.log(py.runPython("import sys; sys.implementation.cache_tag"));
