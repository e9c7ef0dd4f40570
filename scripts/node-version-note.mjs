// Runs after `npm install`. On Node 20, npm prints EBADENGINE warnings for Electron's
// packaging tools; this says once, in plain words, why they are harmless here.
const [major, minor] = process.versions.node.split('.').map(Number);
const atLeast = (M, m) => major > M || (major === M && minor >= m);

if (!atLeast(20, 19)) {
  console.error(`Fieldline needs Node 20.19 or later (22.12+ recommended); this is ${process.version}.`);
  process.exitCode = 1;
} else if (!atLeast(22, 12)) {
  console.log(
    `Fieldline: Node ${process.version} is supported for development, tests and the headless host. ` +
      'The EBADENGINE warnings above come from electron, @electron/get, @electron-internal/extract-zip, ' +
      '@electron/rebuild and node-abi, which declare Node >= 22.12: they only download the Electron binary ' +
      'and build native modules for packaging. Use Node 22.12+ to run the desktop app or package it.',
  );
}
