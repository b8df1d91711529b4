import { CONNECTION_STRING_VARIABLE, redactConnectionString } from 'mneme/kurrent';
import { runBankAccountExample } from './run.js';

// `npm start`: the embedded in-memory store, or KurrentDB when KURRENTDB_CONNECTION_STRING is set.
const connectionString = process.env[CONNECTION_STRING_VARIABLE]?.trim();
if (connectionString) {
  console.log(`Event store: KurrentDB at ${redactConnectionString(connectionString)}`);
  await runBankAccountExample({ eventStore: { kurrent: connectionString } });
} else {
  console.log('Event store: the embedded InMemoryEventStore (set KURRENTDB_CONNECTION_STRING to use KurrentDB)');
  await runBankAccountExample();
}
