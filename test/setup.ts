// Loaded before each test file (vitest's setupFiles), so that every file's tests clean up after themselves.
import { afterEach } from 'vitest';
import { runCleanups } from './helpers.js';

afterEach(runCleanups);
