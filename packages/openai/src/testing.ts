export {
  chatCompletionBody,
  completionBody,
  embeddingsBody,
  type OpenAITestFault,
  type OpenAITestHandler,
  type OpenAITestReply,
  type OpenAITestRequest,
  type OpenAITestRoute,
  type OpenAITestServer,
  type OpenAITestServerOptions,
  startOpenAITestServer,
  testReply,
} from './openai-test-server.js';
