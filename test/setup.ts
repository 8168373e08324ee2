// Loaded before each test file (vitest's setupFiles), so that every file's tests clean up after themselves.
import { afterAll, afterEach } from 'vitest';
import { removeRunHomes, runCleanups } from './helpers.js';

afterEach(runCleanups);
afterAll(removeRunHomes);
