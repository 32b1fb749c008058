/** The chaos run on seed 1 (test/integration/helpers/chaos-test.ts). */
import { chaosTest } from './helpers/chaos-test.ts';

chaosTest(1);
