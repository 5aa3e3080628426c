#!/usr/bin/env node
// The `scheduler` command: runs src/cli/main.ts through tsx's CommonJS loader (tsx is a runtime dependency).
require('tsx/cjs/api').register();
require('../src/cli/main.ts');
