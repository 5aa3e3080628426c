const inspector = require('node:inspector');
const fs = require('node:fs');
const { threadId } = require('node:worker_threads');
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 200 });
setTimeout(() => session.post('Profiler.start'), 40_000).unref();
setTimeout(() => {
  session.post('Profiler.stop', (err, res) => {
    if (!err) fs.writeFileSync(`${process.env.PROF_OUT}/t${threadId}-${process.pid}.cpuprofile`, JSON.stringify(res.profile));
  });
}, 70_000).unref();
