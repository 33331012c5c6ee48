// Preloaded with `node --require` into a credshare child by the fault suite: shifts this
// process's clock by CREDSHARE_TEST_CLOCK_SKEW_MS, as on a machine whose clock is wrong.
'use strict';
const skew = Number(process.env.CREDSHARE_TEST_CLOCK_SKEW_MS || 0);
const realNow = Date.now;
Date.now = () => realNow() + skew;
