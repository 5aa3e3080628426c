#!/usr/bin/env node
// The `scheduler` command of a checkout (`node bin/scheduler.js …`, the image's entry point): runs
// src/cli/main.ts through tsx's CommonJS loader (tsx is a runtime dependency). The packed package
// ships the client only, so it declares no bin.
require('tsx/cjs/api').register();
require('../src/cli/main.ts');
