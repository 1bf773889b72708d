import { createLogger } from '../../infra/logger';
import { installTemporalRuntime } from '../../infra/temporalRuntime';

// Worker state changes and workflow logs would drown the test output; warnings and errors still show.
installTemporalRuntime(createLogger(process.env.TEST_LOG_LEVEL ?? 'warn'));
