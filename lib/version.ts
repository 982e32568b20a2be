// The package version, read once from package.json.
import fs from 'node:fs';
import path from 'node:path';

export const VERSION: string = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
})();
