import { runBankAccountExample } from './run.js';

// `npm start`: the embedded in-memory store.
await runBankAccountExample();
